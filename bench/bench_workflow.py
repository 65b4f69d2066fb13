"""Journey benchmark: N participants through a three-step email journey, against Odoo's own mass mailing.

Runs on the database prepared by bench_scoring.py (N contacts 'bench-…@example.com').
Mail is queued (mail.mail 'outgoing'), never delivered, on both sides. A journey step
waits for its message's outcome before its children run: after each cron pass the
journey's queued traces are marked sent with Odoo's ``mailing.trace.set_sent()``, as
Odoo's mail queue does once the server took a message; that call and the journey's
reaction to it are counted on the journey's side.

1. Odoo baseline: one ``mailing.mailing`` on res.partner, the same body (contact
   name through ``<t t-out="object.name"/>``, one tracked link), ``mailing_domain``
   selecting the N contacts; ``action_send_mail()`` timed (Odoo's own path, it
   commits per composer batch). Run before the journey and again after it (another
   mailing): the two figures show how much the machine drifted meanwhile, their
   mean is the baseline.
2. Journey: a workflow (trigger 'audience', the same domain, no quiet hours) with
   three email steps in a chain (root → 'after', wait 0 → 'after', wait 0), each
   with its own mailing of the same body. ``action_start()`` (enrolment, one SQL
   statement) is timed apart; then ``_cron_process(batch_size=500)`` + commit is
   looped until nothing is due, as the cron does, in this one process (one worker),
   with the time spent in the engine's methods and in Odoo's composer recorded.
3. Checks: N mails per baseline, 3×N mails, 3×N processed traces and one mailing
   trace per journey trace, no (participant, step) twice, every participant done.
4. Clean-up (SQL where faster) so the run repeats on the same database, then
   VACUUM ANALYZE of the touched tables.

Wall time and CPU (this process + its PostgreSQL backend, read from /proc when the
server is local) are both reported: CPU stands better when something else shares
the machine. ``--profile`` runs the journey and the first baseline under cProfile and
prints the top functions by cumulative time; ``--limit`` takes fewer contacts.
"""

import argparse
import cProfile
import inspect
import io
import os
import pstats
import resource
import statistics
import time

from bench_common import log, timed

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry

NAME = "Bench journey"
BODY = (
    '<p>Hello <t t-out="object.name"/>,</p>'
    "<p>Our spring collection is out, and as one of our contacts you get early access "
    "before everyone else.</p>"
    '<p><a href="https://www.example.com/spring-offer">See the offer</a></p>'
    "<p>See you soon,<br/>The Example team</p>"
)
BATCH = 500
TOUCHED_TABLES = [
    "mail_mail",
    "mail_message",
    "mailing_trace",
    "mailing_mailing",
    "link_tracker",
    "link_tracker_code",
    "marketing_workflow",
    "marketing_workflow_step",
    "marketing_workflow_participant",
    "marketing_workflow_trace",
    "ir_cron_trigger",
]


def rss_mb():
    # ru_maxrss is in kilobytes on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def backend_cpu(cr):
    """CPU seconds used so far by this cursor's PostgreSQL backend (None when the server is not local)."""
    cr.execute("SELECT pg_backend_pid()")
    pid = cr.fetchone()[0]
    try:
        with open("/proc/%d/stat" % pid) as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # utime and stime are fields 14 and 15 of /proc/<pid>/stat, the 12th and 13th after the name
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Measure:
    """Wall time, this process's CPU and its PostgreSQL backend's CPU around one call.

    The CPU figures stand when other work shares the machine (a test run beside the
    bench): wall time then depends on the neighbours, CPU much less.
    """

    def __init__(self, cr, function, profile=None, top=45):
        pg_before = backend_cpu(cr)
        cpu_before = time.process_time()
        profiler = cProfile.Profile() if profile else None
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        try:
            self.result = function()
        finally:
            if profiler:
                profiler.disable()
        self.wall = time.perf_counter() - start
        self.cpu = time.process_time() - cpu_before
        pg_after = backend_cpu(cr)
        self.pg = pg_after - pg_before if pg_before is not None and pg_after is not None else None
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative").print_stats(top)
            log("== profile: %s (%.2f s under cProfile)\n%s" % (profile, self.wall, out.getvalue()))
            profiler.dump_stats("/tmp/bench_workflow_%s.prof" % profile)

    @property
    def total_cpu(self):
        return self.cpu + (self.pg or 0.0)

    def describe(self):
        pg = "%.2f s" % self.pg if self.pg is not None else "n/a"
        return "%.2f s wall; CPU %.2f s here + %s PostgreSQL" % (self.wall, self.cpu, pg)


class Stopwatch:
    """Time spent in some methods of the registry's model classes while installed (a breakdown)."""

    def __init__(self, env, targets):
        self.env = env
        self.targets = targets  # [(label, model, method)]
        self.seconds = dict.fromkeys([label for label, _model, _method in targets], 0.0)
        self.calls = dict.fromkeys(self.seconds, 0)
        self.saved = []

    def __enter__(self):
        for label, model, method in self.targets:
            cls = type(self.env[model])
            original = getattr(cls, method)
            self.saved.append((cls, method, cls.__dict__.get(method)))

            def wrapper(record, *args, _original=original, _label=label, **kwargs):
                start = time.perf_counter()
                try:
                    return _original(record, *args, **kwargs)
                finally:
                    self.seconds[_label] += time.perf_counter() - start
                    self.calls[_label] += 1

            setattr(cls, method, wrapper)
        return self

    def __exit__(self, *exc):
        for cls, method, own in reversed(self.saved):
            if own is None:
                delattr(cls, method)
            else:
                setattr(cls, method, own)


def audience(cr, limit):
    """The bench contacts (the first `limit` by id when given): (domain, count)."""
    cr.execute("SELECT count(*) FROM res_partner WHERE email LIKE 'bench-%%' AND active")
    available = cr.fetchone()[0]
    if not available:
        raise SystemExit("no bench contacts (bench-…@example.com): run `make bench` first")
    size = min(limit or available, available)
    cr.execute(
        "SELECT id FROM res_partner WHERE email LIKE 'bench-%%' AND active ORDER BY id LIMIT 1 OFFSET %s", [size - 1]
    )
    last_id = cr.fetchone()[0]
    domain = [("email", "=like", "bench-%"), ("id", "<=", last_id)]
    return domain, size


def mailing_values(env, subject, domain=None, workflow=None):
    values = {
        "name": "%s: %s" % (NAME, subject),
        "subject": subject,
        "body_html": BODY,
        "mailing_type": "mail",
        "reply_to_mode": "update",
        "mailing_model_id": env["ir.model"]._get_id("res.partner"),
    }
    if domain is not None:
        values["mailing_domain"] = repr(domain)
    if workflow is not None:
        values["marketing_workflow_id"] = workflow.id
    return values


def cleanup(env, trigger_floor=None):
    """Delete whatever an earlier run of this bench left (matched by name), SQL for the bulk tables;
    with trigger_floor, also the journey cron's wake-ups this run added (ids above it)."""
    cr = env.cr
    if trigger_floor is not None:
        cron = env.ref("marketing_automation_ext.ir_cron_marketing_workflow")
        cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id = %s AND id > %s", [cron.id, trigger_floor])
    # a mailing's name is its UTM source's (unique): both go
    cr.execute(
        "SELECT m.id, s.id FROM mailing_mailing m JOIN utm_source s ON s.id = m.source_id WHERE s.name LIKE %s",
        [NAME + ":%"],
    )
    rows = cr.fetchall()
    mailing_ids = [mailing_id for mailing_id, _source in rows]
    source_ids = [source_id for _mailing, source_id in rows]
    cr.execute("SELECT id FROM marketing_workflow WHERE name LIKE %s", [NAME + "%"])
    workflow_ids = [row[0] for row in cr.fetchall()]
    if not mailing_ids and not workflow_ids:
        cr.commit()
        return 0.0
    start = time.perf_counter()
    cr.execute("SET LOCAL jit = off")
    if mailing_ids:
        # the statuses the run's traces reached are queued as touchpoints (no cron drains them here)
        cr.execute(
            """DELETE FROM marketing_event_queue
                WHERE trace_id IN (SELECT id FROM mailing_trace WHERE mass_mailing_id = ANY(%s))""",
            [mailing_ids],
        )
        cr.execute("DELETE FROM mailing_trace WHERE mass_mailing_id = ANY(%s)", [mailing_ids])
        # mail.mail _inherits mail.message: deleting the message cascades to the mail
        cr.execute(
            """DELETE FROM mail_message WHERE id IN (SELECT mail_message_id FROM mail_mail
                                                     WHERE mailing_id = ANY(%s))""",
            [mailing_ids],
        )
        cr.execute("DELETE FROM mail_mail WHERE mailing_id = ANY(%s)", [mailing_ids])
        cr.execute("DELETE FROM link_tracker WHERE mass_mailing_id = ANY(%s)", [mailing_ids])
    if workflow_ids:
        cr.execute("DELETE FROM marketing_workflow_trace WHERE workflow_id = ANY(%s)", [workflow_ids])
        cr.execute("DELETE FROM marketing_workflow_participant WHERE workflow_id = ANY(%s)", [workflow_ids])
    env.invalidate_all()
    # the rest through the ORM (steps, chatter messages, followers)
    env["marketing.workflow"].browse(workflow_ids).with_context(active_test=False).unlink()
    env["mailing.mailing"].browse(mailing_ids).with_context(active_test=False).unlink()
    env["utm.source"].browse(source_ids).unlink()
    cr.commit()
    return time.perf_counter() - start


def vacuum(registry):
    with registry.cursor() as cr:
        cr._cnx.autocommit = True
        try:
            for table in TOUCHED_TABLES:
                cr.execute("VACUUM ANALYZE %s" % table)
        finally:
            cr._cnx.autocommit = False


def warm_up(env, domain):
    """Compile templates, load the composer and link tracker code paths (not measured)."""
    mailing = env["mailing.mailing"].create(mailing_values(env, "warm-up", domain))
    env.cr.execute("SELECT id FROM res_partner WHERE email LIKE 'bench-%%' ORDER BY id DESC LIMIT 20")
    mailing.action_send_mail([row[0] for row in env.cr.fetchall()])
    env.cr.commit()


def count_mails(cr, mailing_ids):
    cr.execute("SELECT count(*) FROM mail_mail WHERE mailing_id = ANY(%s)", [mailing_ids])
    return cr.fetchone()[0]


def run_baseline(env, domain, profile, top, label):
    mailing = env["mailing.mailing"].create(mailing_values(env, "Odoo mass mailing %s" % label, domain))
    env.cr.commit()
    env.invalidate_all()
    measure = Measure(env.cr, lambda: mailing.action_send_mail(), "baseline_%s" % label if profile else None, top)
    env.cr.commit()
    measure.mails = count_mails(env.cr, [mailing.id])
    # Odoo reads the mailing's "already mailed" list once per composer batch (mail.batch_size, 50):
    # what that query costs once every recipient is in it
    env.invalidate_all()
    measure.seen_list, _r = timed(lambda: mailing._get_seen_list())
    env.cr.commit()
    return measure


def build_journey(env, domain):
    Workflow = env["marketing.workflow"]
    Step = env["marketing.workflow.step"]
    workflow = Workflow.create(
        {"name": NAME, "model_name": "res.partner", "trigger": "audience", "domain": repr(domain), "quiet_hours": False}
    )
    parent = Step
    for index in (1, 2, 3):
        mailing = env["mailing.mailing"].create(mailing_values(env, "step %d" % index, workflow=workflow))
        values = {
            "name": "Email %d" % index,
            "workflow_id": workflow.id,
            "action_type": "email",
            "mailing_id": mailing.id,
        }
        if parent:
            values.update(parent_id=parent.id, condition="after", wait_amount=0, wait_unit="days")
        parent = Step.create(values)
    env.cr.commit()
    return workflow


BREAKDOWN = [
    ("cron passes (_cron_process)", "marketing.workflow", "_cron_process"),
    ("enrolment pass (_enrol_audience)", "marketing.workflow", "_enrol_audience"),
    ("waits expired (_expire_waiting)", "marketing.workflow.trace", "_expire_waiting"),
    ("claim + run a batch (_process_due)", "marketing.workflow.trace", "_process_due"),
    ("run the claimed traces (_process)", "marketing.workflow.trace", "_process"),
    ("safety checks (_safety_check)", "marketing.workflow.trace", "_safety_check"),
    ("send (_marketing_send)", "mailing.mailing", "_marketing_send"),
    ("Odoo composer (mail.compose.message._action_send_mail)", "mail.compose.message", "_action_send_mail"),
    ("children (_schedule_children)", "marketing.workflow.trace", "_schedule_children"),
    ("delivery outcomes (_apply_delivery_outcomes)", "marketing.workflow.trace", "_apply_delivery_outcomes"),
    ("completion (_complete_finished)", "marketing.workflow.participant", "_complete_finished"),
]
COMPOSER = BREAKDOWN[7][0]


def run_journey(env, workflow, profile, top):
    Workflow = env["marketing.workflow"]
    env.invalidate_all()

    def enrol():
        workflow.action_start()
        env.flush_all()
        env.cr.commit()

    enrolment = Measure(env.cr, enrol)

    def drain():
        batches = 0
        while True:
            remaining = Workflow._cron_process(batch_size=BATCH)
            env.cr.commit()
            batches += 1
            # the mail queue's part: the server took the messages queued by this pass
            env.cr.execute(
                """SELECT id FROM mailing_trace WHERE mass_mailing_id = ANY(%s) AND trace_status = 'outgoing'""",
                [workflow.mailing_ids.ids],
            )
            queued = env["mailing.trace"].browse([row[0] for row in env.cr.fetchall()])
            if queued:
                queued.set_sent()
                env.cr.commit()
                remaining = True
            if not remaining:
                return batches

    with Stopwatch(env, BREAKDOWN) as stopwatch:
        journey = Measure(env.cr, drain, "journey" if profile else None, top)
    journey.batches = journey.result
    journey.breakdown = stopwatch
    journey.mails = count_mails(env.cr, workflow.mailing_ids.ids)
    # the cron wakes up every minute: a pass with nothing due (the participants all done), and one
    # that also re-checks the whole audience (enrolment, goals), as happens once a minute
    journey.idle_tick = idle_pass(env, {})
    forced = (
        {"check_audience": True} if "check_audience" in inspect.signature(Workflow._cron_process).parameters else {}
    )
    journey.audience_tick = idle_pass(env, forced) if forced else None
    return enrolment, journey


def idle_pass(env, kwargs):
    """Median of three cron passes with nothing due."""
    passes = []
    for _ in range(3):
        seconds, _r = timed(lambda: env["marketing.workflow"]._cron_process(batch_size=BATCH, **kwargs))
        env.cr.commit()
        passes.append(seconds)
    return statistics.median(passes)


def check_journey(cr, workflow, size):
    """The counts the issue asks for; returns a list of failures (empty: ok)."""
    failures = []
    cr.execute("SELECT state, count(*) FROM marketing_workflow_trace WHERE workflow_id = %s GROUP BY 1", [workflow.id])
    traces = dict(cr.fetchall())
    if traces.get("processed", 0) != 3 * size or sum(traces.values()) != 3 * size:
        failures.append("traces by state %s, expected %d processed" % (traces, 3 * size))
    cr.execute(
        """SELECT count(*) FROM (SELECT participant_id, step_id FROM marketing_workflow_trace
                                  WHERE workflow_id = %s GROUP BY 1, 2 HAVING count(*) > 1) d""",
        [workflow.id],
    )
    twice = cr.fetchone()[0]
    if twice:
        failures.append("%d (participant, step) pairs run twice" % twice)
    cr.execute(
        "SELECT state, count(*) FROM marketing_workflow_participant WHERE workflow_id = %s GROUP BY 1", [workflow.id]
    )
    participants = dict(cr.fetchall())
    if participants != {"completed": size}:
        failures.append("participants by state %s, expected %d completed" % (participants, size))
    cr.execute(
        """SELECT count(*), count(DISTINCT mt.marketing_workflow_trace_id),
                  count(DISTINCT (mt.mass_mailing_id, mt.res_id))
             FROM mailing_trace mt JOIN marketing_workflow_trace t ON t.id = mt.marketing_workflow_trace_id
            WHERE t.workflow_id = %s""",
        [workflow.id],
    )
    total, distinct_traces, distinct_recipients = cr.fetchone()
    if not total == distinct_traces == distinct_recipients == 3 * size:
        failures.append(
            "mailing traces %d (journey traces %d, mailing × contact %d), expected %d each"
            % (total, distinct_traces, distinct_recipients, 3 * size)
        )
    return failures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--limit", type=int, default=0, help="take the first LIMIT bench contacts (default: all)")
    parser.add_argument("--profile", action="store_true", help="cProfile both sides, print the top functions")
    parser.add_argument("--top", type=int, default=45, help="functions printed per profile")
    parser.add_argument("--keep", action="store_true", help="leave the run's records in the database")
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "--no-http", "--log-level=warn"])
    registry = Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        cleaned = cleanup(env)
        cr.execute("SELECT COALESCE(max(id), 0) FROM ir_cron_trigger")
        trigger_floor = cr.fetchone()[0]
        if cleaned:
            log("-- removed an earlier run's records (%.1f s)" % cleaned)
            vacuum(registry)
        domain, size = audience(cr, args.limit)
        log("-- audience: %d bench contacts, %s" % (size, domain))
        warm_up(env, domain)

        log("-- Odoo baseline (before the journey): mailing.action_send_mail() to %d contacts" % size)
        before = run_baseline(env, domain, args.profile, args.top, "before")
        rss_base = rss_mb()
        log("   %s; %d mail.mail queued; peak RSS %.0f MB" % (before.describe(), before.mails, rss_base))

        log("-- journey: 3 email steps, _cron_process(batch_size=%d) + commit until nothing is due" % BATCH)
        workflow = build_journey(env, domain)
        enrolment, journey = run_journey(env, workflow, args.profile, args.top)
        rss_journey = rss_mb()
        cr.execute("SELECT count(*) FROM marketing_workflow_participant WHERE workflow_id = %s", [workflow.id])
        enrolled = cr.fetchone()[0]
        log("   enrolment of %d participants: %s" % (enrolled, enrolment.describe()))
        log(
            "   %d batches: %s; %d mail.mail queued; peak RSS %.0f MB"
            % (journey.batches, journey.describe(), journey.mails, rss_journey)
        )
        # the baseline again, after the journey: the machine's drift (other load) shows as before ≠ after
        log("-- Odoo baseline (after the journey): the same, another mailing")
        after = run_baseline(env, domain, False, args.top, "after")
        log("   %s; %d mail.mail queued" % (after.describe(), after.mails))
        failures = check_journey(cr, workflow, size)
        for base in (before, after):
            if base.mails != size:
                failures.append("baseline queued %d mails for %d contacts" % (base.mails, size))
        if journey.mails != 3 * size:
            failures.append("journey queued %d mails, expected %d" % (journey.mails, 3 * size))
        cr.execute(
            "SELECT state, count(*) FROM mail_mail WHERE mailing_id = ANY(%s) GROUP BY 1", [workflow.mailing_ids.ids]
        )
        states = dict(cr.fetchall())
        if set(states) - {"outgoing"}:
            failures.append("journey mails not all queued: %s" % states)
        cr.commit()

        if not args.keep:
            seconds, _r = timed(lambda: cleanup(env, trigger_floor))
            vacuum(registry)
            log("-- cleaned up in %.1f s (SQL DELETE + VACUUM ANALYZE)" % seconds)

    messages = max(journey.mails, 1)
    recipients = before.mails + after.mails
    per = lambda seconds, count: seconds * 1000 / max(count, 1)  # noqa: E731
    base_wall = per(before.wall + after.wall, recipients)
    base_cpu = per(before.total_cpu + after.total_cpu, recipients)

    def both(value, first, second):
        return "%.2f ms (%.2f / %.2f)" % (value, first, second)

    rows = [
        (
            "per message, wall",
            "%d messages / 2 × %d recipients" % (journey.mails, size),
            "%.2f ms" % per(journey.wall, messages),
            both(base_wall, per(before.wall, before.mails), per(after.wall, after.mails)),
            per(journey.wall, messages) / base_wall,
        ),
        (
            "per message, CPU (worker + its PostgreSQL backend)",
            "same",
            "%.2f ms" % per(journey.total_cpu, messages),
            both(base_cpu, per(before.total_cpu, before.mails), per(after.total_cpu, after.mails)),
            per(journey.total_cpu, messages) / base_cpu,
        ),
        (
            "per message, wall, enrolment included",
            "same",
            "%.2f ms" % per(journey.wall + enrolment.wall, messages),
            "%.2f ms" % base_wall,
            per(journey.wall + enrolment.wall, messages) / base_wall,
        ),
        (
            "throughput, one worker (participant-steps / mails per s)",
            "same",
            "%.0f /s" % (journey.mails / journey.wall),
            "%.0f /s" % (1000 / base_wall),
            (journey.mails / journey.wall) / (1000 / base_wall),
        ),
    ]
    log("")
    log("| measure | data | journey | Odoo mass mailing (before / after) | ratio |")
    log("|---|---|---|---|---|")
    for name, data, mine, theirs, ratio in rows:
        log("| %s | %s | %s | %s | %.2f |" % (name, data, mine, theirs, ratio))
    log("")
    log("| journey, apart | figure |")
    log("|---|---|")
    log(
        "| whole journey (%d participants × 3 steps, %d cron passes) | %.1f s (CPU %.1f s + %.1f s PostgreSQL) |"
        % (size, journey.batches, journey.wall, journey.cpu, journey.pg or 0.0)
    )
    log("| enrolment, action_start() (one SQL statement) | %.2f s for %d participants |" % (enrolment.wall, size))
    log("| cron pass with nothing due (%d participants done) | %.0f ms |" % (size, journey.idle_tick * 1000))
    if journey.audience_tick is not None:
        log(
            "| the same pass with the whole-audience check (enrolment, goals: once a minute) | %.0f ms |"
            % (journey.audience_tick * 1000)
        )
    log(
        "| Odoo's already-mailed query (once per 50 mails) once it holds every recipient | %.0f ms |"
        % (before.seen_list * 1000)
    )
    log("| peak RSS (whole run) | %.0f MB |" % max(rss_base, rss_journey))
    log("")
    seconds = journey.breakdown.seconds
    calls = journey.breakdown.calls
    log("| where the journey's %.1f s went (nested) | calls | seconds | per message |" % journey.wall)
    log("|---|---|---|---|")
    for label, _model, _method in BREAKDOWN:
        log("| %s | %d | %.1f | %.2f ms |" % (label, calls[label], seconds[label], per(seconds[label], messages)))
    derived = [
        ("claim query (SELECT … FOR UPDATE SKIP LOCKED)", seconds[BREAKDOWN[3][0]] - seconds[BREAKDOWN[4][0]]),
        (
            "rest of the pass (goal, remaining-count query)",
            seconds[BREAKDOWN[0][0]] - sum(seconds[BREAKDOWN[i][0]] for i in (1, 2, 3)),
        ),
        ("commits", journey.wall - seconds[BREAKDOWN[0][0]]),
        ("everything but the composer", journey.wall - seconds[COMPOSER]),
    ]
    for label, value in derived:
        log("| %s | | %.1f | %.2f ms |" % (label, value, per(value, messages)))
    log("")
    if failures:
        log("journey check FAILED:\n  " + "\n  ".join(failures))
        raise SystemExit(1)
    log("journey check: ok (%d messages, %d processed traces, no participant-step twice)" % (3 * size, 3 * size))


if __name__ == "__main__":
    main()
