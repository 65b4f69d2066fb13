"""Crash and restart, per cron (issue 13, item 3): a real ``odoo-bin shell`` worker runs the cron
the way Odoo's cron runner does (a batch, a commit, again) and is held inside a batch, after it did
part of the batch's work and before its commit; it is then killed with SIGKILL and a fresh worker
runs the cron to the end. Every unit of work is done once: none lost, none twice.

Plain pytest with real processes and commits on the test database (cleaned up before and after):
Odoo's test cursors cannot be shared with other processes.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time

import pytest

import odoo
from odoo import SUPERUSER_ID, api

PREFIX = "crash-restart-test"
CONTACTS = 120
BATCH = 25
HOLD_AT = 3  # the worker is held in its third batch: two are committed, one is half done

# Runs in odoo-bin shell: patch METHOD of MODEL so that its HOLD_AT-th call, once done, signals
# READY and waits to be killed, then run the cron as ir.cron would (commit after each batch).
WORKER = """
import time
MODEL, METHOD, HOLD_AT, READY = {model!r}, {method!r}, {hold_at!r}, {ready!r}
if MODEL:
    cls = type(env[MODEL])
    original = getattr(cls, METHOD)
    calls = [0]

    def held(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        calls[0] += 1
        if calls[0] == HOLD_AT:
            open(READY, "w").close()
            time.sleep(3600)
        return result

    setattr(cls, METHOD, held)
while True:
    remaining = {cron}
    env.cr.commit()
    if not remaining:
        break
print("WORKER DONE")
"""


def _env(cr):
    return api.Environment(cr, SUPERUSER_ID, {})


@pytest.fixture
def registry():
    registry = odoo.modules.registry.Registry(odoo.tools.config["db_name"])
    assert not registry.test_cr, "needs real cursors"
    _cleanup(registry)
    yield registry
    _cleanup(registry)


def _cleanup(registry):
    with registry.cursor() as cr:
        cr.execute("SELECT id FROM res_partner WHERE name LIKE %s", [PREFIX + "%"])
        partner_ids = [row[0] for row in cr.fetchall()]
        cr.execute("SELECT id FROM marketing_workflow WHERE name LIKE %s", [PREFIX + "%"])
        workflow_ids = [row[0] for row in cr.fetchall()]
        cr.execute(
            "SELECT id FROM mailing_mailing WHERE subject LIKE %s OR marketing_workflow_id = ANY(%s)",
            [PREFIX + "%", workflow_ids],
        )
        mailing_ids = [row[0] for row in cr.fetchall()]
        cr.execute("DELETE FROM mail_mail WHERE mailing_id = ANY(%s)", [mailing_ids])
        cr.execute(
            "DELETE FROM marketing_event_queue WHERE trace_id IN "
            "(SELECT id FROM mailing_trace WHERE mass_mailing_id = ANY(%s))",
            [mailing_ids],
        )
        cr.execute("DELETE FROM mailing_trace WHERE mass_mailing_id = ANY(%s)", [mailing_ids])
        cr.execute("DELETE FROM marketing_workflow WHERE id = ANY(%s)", [workflow_ids])
        cr.execute("DELETE FROM mailing_mailing WHERE id = ANY(%s)", [mailing_ids])
        cr.execute("DELETE FROM marketing_segment WHERE name->>'en_US' LIKE %s", [PREFIX + "%"])
        cr.execute("DELETE FROM marketing_event WHERE partner_id = ANY(%s)", [partner_ids])
        cr.execute("DELETE FROM marketing_score_history WHERE partner_id = ANY(%s)", [partner_ids])
        _env(cr)["res.partner"].browse(partner_ids).unlink()


def _contacts(env, count=CONTACTS):
    return env["res.partner"].create(
        [{"name": "%s %04d" % (PREFIX, i), "email": "crash%04d@example.com" % i} for i in range(count)]
    )


def _worker(cron, model=None, method=None, ready=None, hold_at=HOLD_AT):
    odoo_bin = os.path.join(odoo.tools.config["root_path"], "..", "odoo-bin")
    log = tempfile.NamedTemporaryFile("w+", prefix="crash-worker-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [
            sys.executable,
            odoo_bin,
            "shell",
            "-c",
            odoo.tools.config.rcfile,
            "-d",
            odoo.tools.config["db_name"],
            "--no-http",
            "--log-level=warn",
        ],
        stdin=subprocess.PIPE,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    process.stdin.write(WORKER.format(model=model, method=method, hold_at=hold_at, ready=ready, cron=cron))
    process.stdin.close()
    process.log = log
    return process


def _output(process):
    process.log.seek(0)
    text = process.log.read()
    process.log.close()
    os.unlink(process.log.name)
    return text


def crash_then_restart(cron, model, method, hold_at=HOLD_AT):
    """Worker 1 is held inside its hold_at-th batch and SIGKILLed; worker 2 runs the cron to the end."""
    ready = tempfile.mktemp(prefix="crash-ready-")
    first = _worker(cron, model, method, ready, hold_at)
    deadline = time.time() + 180
    while not os.path.exists(ready):
        assert first.poll() is None, "worker 1 ended before it was held:\n" + _output(first)
        assert time.time() < deadline, "worker 1 was never held:\n" + _output(first)
        time.sleep(0.2)
    first.send_signal(signal.SIGKILL)
    first.wait()
    _output(first)
    os.unlink(ready)
    second = _worker(cron)
    second.wait(timeout=600)
    output = _output(second)
    assert second.returncode == 0 and "WORKER DONE" in output, output
    assert "Traceback" not in output and " ERROR " not in output, output


def test_touchpoint_ingestion_and_scoring(registry):
    """Tracking delivered every open twice; the ingestion cron makes one touchpoint of each, scored once."""
    with registry.cursor() as cr:
        env = _env(cr)
        partners = _contacts(env)
        rule = env["marketing.score.rule"].search(
            [("rule_type", "=", "behaviour"), ("event_type", "=", "email_open"), ("active", "=", True)], limit=1
        )
        mailing = env["mailing.mailing"].create(
            {"subject": PREFIX, "body_html": "<p>Hi</p>", "mailing_model_id": env.ref("base.model_res_partner").id}
        )
        traces = env["mailing.trace"].create(
            [
                {
                    "model": "res.partner",
                    "res_id": p.id,
                    "email": p.email,
                    "mass_mailing_id": mailing.id,
                    "trace_status": "sent",
                }
                for p in partners
            ]
        )
        cr.execute("DELETE FROM marketing_event_queue WHERE trace_id = ANY(%s)", [traces.ids])
        for _ in range(2):
            cr.execute(
                "INSERT INTO marketing_event_queue (trace_id, status, date) "
                "SELECT unnest(%s::int[]), 'open', now() at time zone 'UTC'",
                [traces.ids],
            )
        ids = {"partners": partners.ids, "traces": traces.ids, "points": rule.points}
    crash_then_restart(
        'env["marketing.event"]._cron_score_pending(batch_size=%d)' % BATCH,
        "marketing.score.rule",
        "_rescore_for_events",
    )
    with registry.cursor() as cr:
        cr.execute(
            "SELECT count(*), count(DISTINCT mailing_trace_id), count(*) FILTER (WHERE NOT scored) FROM marketing_event"
            " WHERE mailing_trace_id = ANY(%s) AND event_type = 'email_open'",
            [ids["traces"]],
        )
        assert cr.fetchone() == (CONTACTS, CONTACTS, 0), "one scored open per trace"
        cr.execute("SELECT count(*) FROM marketing_event_queue WHERE trace_id = ANY(%s)", [ids["traces"]])
        assert cr.fetchone()[0] == 0
        # every contact's score is what a single recompute gives (an open scored twice would show)
        cr.execute("SELECT id, marketing_score FROM res_partner WHERE id = ANY(%s) ORDER BY id", [ids["partners"]])
        scored = cr.fetchall()
        _env(cr)["marketing.score.rule"]._rescore(partner_ids=set(ids["partners"]), reason="check")
        cr.execute("SELECT id, marketing_score FROM res_partner WHERE id = ANY(%s) ORDER BY id", [ids["partners"]])
        assert cr.fetchall() == scored
        cr.rollback()


def test_journey_steps(registry):
    """A one-email journey: each participant's email is queued exactly once."""
    with registry.cursor() as cr:
        env = _env(cr)
        partners = _contacts(env)
        workflow = env["marketing.workflow"].create(
            {"name": PREFIX, "model_name": "res.partner", "trigger": "manual", "quiet_hours": False}
        )
        mailing = env["mailing.mailing"].create(
            {"name": PREFIX, "subject": PREFIX, "body_html": "<p>Hi</p>", "marketing_workflow_id": workflow.id}
        )
        env["marketing.workflow.step"].create(
            {"name": "Hello", "workflow_id": workflow.id, "action_type": "email", "mailing_id": mailing.id}
        )
        workflow.action_start()
        assert workflow.enrol(partners.ids) == CONTACTS
        ids = {"workflow": workflow.id, "mailing": mailing.id}
    crash_then_restart(
        'env["marketing.workflow"]._cron_process(batch_size=%d)' % BATCH,
        "marketing.workflow.trace",
        "_schedule_children",
    )
    with registry.cursor() as cr:
        cr.execute(
            "SELECT state, count(*) FROM marketing_workflow_trace WHERE workflow_id = %s GROUP BY state",
            [ids["workflow"]],
        )
        states = dict(cr.fetchall())
        assert sum(states.values()) == CONTACTS and not states.get("scheduled"), states
        cr.execute(
            "SELECT count(*), count(DISTINCT res_id) FROM mailing_trace WHERE mass_mailing_id = %s", [ids["mailing"]]
        )
        assert cr.fetchone() == (CONTACTS, CONTACTS), "one message per participant"
        cr.execute("SELECT count(*) FROM mail_mail WHERE mailing_id = %s", [ids["mailing"]])
        assert cr.fetchone()[0] == CONTACTS


def test_segment_refresh(registry):
    """Contacts entering a segment: one membership and one 'entered' touchpoint each."""
    with registry.cursor() as cr:
        env = _env(cr)
        partners = _contacts(env)
        segments = env["marketing.segment"].create(
            [
                {"name": "%s %d" % (PREFIX, i), "domain": repr([("name", "like", PREFIX), ("function", "=", "Buyer")])}
                for i in range(4)
            ]
        )
        segments._refresh()  # the first refresh defines them: empty
        partners.write({"function": "Buyer"})
        ids = {"partners": partners.ids, "segments": segments.ids}
    crash_then_restart('env["marketing.segment"]._cron_refresh() and False', "marketing.segment", "_refresh_one")
    with registry.cursor() as cr:
        cr.execute(
            "SELECT segment_id, count(*), count(DISTINCT partner_id) FROM marketing_segment_member"
            " WHERE segment_id = ANY(%s) AND date_exited IS NULL GROUP BY 1",
            [ids["segments"]],
        )
        assert sorted(cr.fetchall()) == [(s, CONTACTS, CONTACTS) for s in sorted(ids["segments"])]
        cr.execute(
            "SELECT count(*), count(DISTINCT (segment_id, partner_id)) FROM marketing_event"
            " WHERE segment_id = ANY(%s) AND event_type = 'segment_enter'",
            [ids["segments"]],
        )
        assert cr.fetchone() == (CONTACTS * 4, CONTACTS * 4)


def test_recommendations(registry):
    """Best time and channel: every due contact computed, the values a single run gives."""
    with registry.cursor() as cr:
        env = _env(cr)
        partners = _contacts(env)
        ids = partners.ids
    columns = "marketing_best_weekday, marketing_best_hour, marketing_preferred_channel, marketing_channel_reason"
    crash_then_restart(
        'env["marketing.recommendation"]._cron_recompute(batch_size=%d)' % BATCH,
        "marketing.recommendation",
        "_recompute",
    )
    with registry.cursor() as cr:
        cr.execute("SELECT count(*) FROM res_partner WHERE id = ANY(%s) AND marketing_send_time_date IS NULL", [ids])
        assert cr.fetchone()[0] == 0, "a contact was left out"
        cr.execute("SELECT id, %s FROM res_partner WHERE id = ANY(%%s) ORDER BY id" % columns, [ids])
        computed = cr.fetchall()
        _env(cr)["marketing.recommendation"]._recompute(ids, odoo.fields.Datetime.now())
        cr.execute("SELECT id, %s FROM res_partner WHERE id = ANY(%%s) ORDER BY id" % columns, [ids])
        assert cr.fetchall() == computed
        cr.rollback()


def _nightly_setup(registry):
    """Test contacts, half of them opened, every score off by 7: what a nightly pass must mend."""
    with registry.cursor() as cr:
        env = _env(cr)
        env["ir.config_parameter"].set_param("marketing_automation_ext.rescore_after_id", 0)
        partners = _contacts(env)
        for partner in partners[::2]:
            env["marketing.event"].record_event("email_open", partner_id=partner.id)
        cr.execute("UPDATE res_partner SET marketing_score = marketing_score + 7 WHERE id = ANY(%s)", [partners.ids])
        cr.execute("SELECT count(*) FROM res_partner")
        return partners.ids, cr.fetchone()[0]


def _assert_nightly_done_once(registry, ids):
    with registry.cursor() as cr:
        cr.execute(
            "SELECT partner_id, count(*) FROM marketing_score_history WHERE partner_id = ANY(%s)"
            " AND reason = 'Nightly recompute' GROUP BY 1",
            [ids],
        )
        lines = dict(cr.fetchall())
        assert set(lines) == set(ids) and set(lines.values()) == {1}, "one nightly history line per changed score"
        env = _env(cr)
        assert env["ir.config_parameter"].get_param("marketing_automation_ext.rescore_after_id") == "0", "pass ended"
        cr.execute("SELECT id, marketing_score FROM res_partner WHERE id = ANY(%s) ORDER BY id", [ids])
        scored = cr.fetchall()
        env["marketing.score.rule"]._rescore(partner_ids=set(ids), reason="check")
        cr.execute("SELECT id, marketing_score FROM res_partner WHERE id = ANY(%s) ORDER BY id", [ids])
        assert cr.fetchall() == scored
        cr.rollback()


def test_nightly_rescore(registry):
    """The nightly recompute called in one transaction (scores, then segments) killed after the
    scores were rewritten: the restarted run leaves each score as one run gives it, with one history
    line."""
    ids, _count = _nightly_setup(registry)
    crash_then_restart(
        'env["marketing.score.rule"]._cron_rescore() and False', "marketing.segment", "_cron_refresh", hold_at=1
    )
    _assert_nightly_done_once(registry, ids)


def test_nightly_rescore_chunks(registry):
    """The nightly recompute as the cron runs it, a chunk of contacts per transaction, killed in its
    third chunk (two committed): the restarted worker resumes the pass; every score ends as one
    run gives it, with one history line per changed score."""
    ids, count = _nightly_setup(registry)
    crash_then_restart(
        'env["marketing.score.rule"]._rescore_next_chunk(%d)[1]' % max(count // 5, 1),
        "marketing.score.rule",
        "_rescore",
    )
    _assert_nightly_done_once(registry, ids)
