"""Scoring benchmark: the addon against Odoo's own way of doing the same job.

Run by ``make bench`` (tools/bench.sh), which prepares two databases on the same
PostgreSQL: one with the addon, one with only the Odoo modules it extends.

Measured, with the data size printed beside each figure:
1. full rescore (profile + behaviour with decay) of N contacts and N leads over
   M events, against Odoo's predictive lead scoring cron
   ``crm.lead._cron_update_automated_probabilities`` over the same leads;
2. incremental cost per event, against Odoo's own open tracking write
   (``mailing.trace.set_opened``) of the same traces in the base database;
3. latency of the open-pixel route with the addon, against the same route in
   the database without the addon, served by the same Odoo code.
"""

import argparse
import contextlib
import datetime
import os
import random
import statistics
import subprocess
import sys
import time

import requests
from bench_common import bench_mailing, check_targets, log, sent_mailing, timed
from psycopg2.errors import InsufficientPrivilege

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry

EVENT_TYPES = [
    ("email_sent", "email"),
    ("email_open", "email"),
    ("email_open", "email"),
    ("email_click", "email"),
    ("email_reply", "email"),
    ("email_bounce", "email"),
    ("sms_click", "sms"),
    ("page_view", "web"),
    ("page_view", "web"),
    ("form_submit", "web"),
]


def columns(cr, table):
    cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s", [table])
    return {row[0] for row in cr.fetchall()}


def tables(cr):
    cr.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
    return {row[0] for row in cr.fetchall()}


def generate_contacts_and_leads(env, size):
    """size contacts, one lead each (20% won, 20% lost, 60% open), in a few SQL statements."""
    cr = env.cr
    cr.execute("SELECT count(*) FROM res_partner WHERE email LIKE 'bench-%%'")
    if cr.fetchone()[0] >= size:
        return
    has_score = "marketing_score" in columns(cr, "res_partner")
    extra_cols = ", marketing_score, marketing_grade" if has_score else ""
    extra_vals = ", 0, 'cold'" if has_score else ""
    cr.execute(
        f"""INSERT INTO res_partner (name, complete_name, email, email_normalized, function, active, type,
                                     is_company, lang, partner_share, create_uid, write_uid,
                                     create_date, write_date {extra_cols})
            SELECT 'Bench Contact ' || g, 'Bench Contact ' || g, 'bench-' || g || '@example.com',
                   'bench-' || g || '@example.com', CASE WHEN g %% 3 = 0 THEN 'Buyer' END, true, 'contact',
                   false, 'en_US', true, 1, 1, now(), now() {extra_vals}
              FROM generate_series(1, %s) g""",
        [size],
    )
    cr.execute("UPDATE res_partner SET commercial_partner_id = id WHERE commercial_partner_id IS NULL")
    cr.execute("SELECT id FROM crm_stage WHERE is_won IS NOT TRUE ORDER BY sequence LIMIT 3")
    open_stages = [row[0] for row in cr.fetchall()]
    cr.execute("SELECT id FROM crm_stage WHERE is_won LIMIT 1")
    won_stage = cr.fetchone()[0]
    cr.execute("SELECT id FROM crm_team ORDER BY id LIMIT 1")
    team = cr.fetchone()[0]
    cr.execute(
        f"""INSERT INTO crm_lead (name, type, partner_id, email_from, email_normalized, phone, expected_revenue,
                                  stage_id, team_id, user_id, company_id, active, probability,
                                  automated_probability, priority, create_date, write_date, create_uid,
                                  write_uid, date_open, date_last_stage_update {extra_cols})
            SELECT 'Bench lead ' || p.id, 'opportunity', p.id, p.email, p.email,
                   CASE WHEN p.id %% 2 = 0 THEN '+3245600' || (p.id %% 10000) END,
                   (p.id * 7919 %% 50000), CASE WHEN b.bucket < 2 THEN %(won)s
                                               ELSE (%(stages)s::int[])[1 + p.id %% 3] END,
                   %(team)s, 2, 1, b.bucket <> 2 AND b.bucket <> 3,
                   CASE WHEN b.bucket < 2 THEN 100 WHEN b.bucket < 4 THEN 0 ELSE 10 END,
                   CASE WHEN b.bucket < 2 THEN 100 WHEN b.bucket < 4 THEN 0 ELSE 10 END,
                   (p.id %% 4)::varchar, now() - interval '30 days', now(), 1, 1, now(), now() {extra_vals}
              FROM res_partner p, LATERAL (SELECT p.id %% 10 AS bucket) b
             WHERE p.email LIKE 'bench-%%'""",
        {"won": won_stage, "stages": open_stages, "team": team},
    )
    env["ir.config_parameter"].set_param("crm.pls_start_date", "2000-01-01")
    cr.commit()


def generate_events(env, per_contact):
    cr = env.cr
    cr.execute("SELECT count(*) FROM marketing_event WHERE source_key LIKE 'bench:%%'")
    if cr.fetchone()[0]:
        return
    types = "ARRAY[%s]" % ",".join("'%s'" % t for t, _c in EVENT_TYPES)
    chans = "ARRAY[%s]" % ",".join("'%s'" % c for _t, c in EVENT_TYPES)
    cr.execute(
        f"""INSERT INTO marketing_event (event_type, channel, partner_id, lead_id, date, url, source_key,
                                         company_id, create_uid, create_date, write_uid, write_date)
            SELECT ({types})[k], ({chans})[k], p.id, CASE WHEN g %% 3 = 0 THEN l.id END,
                   now() - (random() * 180) * interval '1 day',
                   CASE WHEN k IN (4, 8, 9) THEN 'https://example.com/' ||
                        (ARRAY['pricing', 'blog/a', 'product', 'pricing/pro'])[1 + (p.id + g) %% 4] END,
                   'bench:' || p.id || ':' || g, 1, 1, now(), 1, now()
              FROM res_partner p
              JOIN crm_lead l ON l.partner_id = p.id
              CROSS JOIN generate_series(1, %s) g
              CROSS JOIN LATERAL (SELECT 1 + ((p.id * 31 + g * 17) %% {len(EVENT_TYPES)}) AS k) kk
             WHERE p.email LIKE 'bench-%%'""",
        [per_contact],
    )
    cr.execute("ANALYZE marketing_event")
    cr.execute("ANALYZE res_partner")
    cr.execute("ANALYZE crm_lead")
    cr.commit()


def generate_mailing_traces(env, count):
    """One sent mailing to `count` bench contacts; traces keyed on fake mail ids."""
    cr = env.cr
    mailing = sent_mailing(env, "Bench mailing", count, 900000000)
    # every run starts from unopened traces
    cr.execute(
        "UPDATE mailing_trace SET trace_status = 'sent', open_datetime = NULL WHERE mass_mailing_id = %s",
        [mailing.id],
    )
    if "marketing_event" in tables(cr):
        cr.execute(
            "DELETE FROM marketing_event WHERE mailing_trace_id IN "
            "(SELECT id FROM mailing_trace WHERE mass_mailing_id = %s)",
            [mailing.id],
        )
    cr.commit()
    cr.execute("SELECT id, mail_mail_id_int FROM mailing_trace WHERE mass_mailing_id = %s ORDER BY id", [mailing.id])
    return cr.fetchall()


def match_trace_counts(env_addon, env_base):
    """Pad the database with fewer mailing traces up to the other's count (the dashboard benchmark
    adds 100,000 traces to the addon's): set_opened then updates tables and indexes of one size."""
    counts = []
    for env in (env_addon, env_base):
        env.cr.execute("SELECT count(*) FROM mailing_trace")
        counts.append(env.cr.fetchone()[0])
    smaller = env_base if counts[1] < counts[0] else env_addon
    missing = abs(counts[0] - counts[1])
    if missing:
        mailing = bench_mailing(smaller, "Bench padding")
        smaller.cr.execute(
            """INSERT INTO mailing_trace (trace_type, model, res_id, mass_mailing_id, email, trace_status,
                                          sent_datetime, create_uid, create_date, write_uid, write_date)
               SELECT 'mail', 'res.partner', 1, %s, 'padding-' || g || '@example.com', 'sent', now(),
                      1, now(), 1, now()
                 FROM generate_series(1, %s) g""",
            [mailing.id, missing],
        )
        smaller.cr.execute("ANALYZE mailing_trace")
        smaller.cr.commit()
    log("   mailing traces: %d in each database (%d added to the smaller)" % (max(counts), missing))


def checkpoint(env):
    """CHECKPOINT before a timed job: after it, the first change of each page writes the whole page to
    the WAL (full_page_writes), whoever makes it, as for a nightly job on a database quiet for longer
    than checkpoint_timeout; without it, a checkpoint started by the previous job's WAL may fall
    inside one job and not the other. A role that may not (neither superuser nor pg_checkpoint)
    measures without."""
    env.cr.commit()
    env.cr._cnx.autocommit = True
    try:
        env.cr.execute("CHECKPOINT")
    except InsufficientPrivilege:
        if not CHECKPOINT_REFUSED:
            log("   (CHECKPOINT refused to this database role: the jobs are timed without one)")
        CHECKPOINT_REFUSED.append(True)
    finally:
        env.cr._cnx.autocommit = False


CHECKPOINT_REFUSED = []

# what the timed jobs read and write, in either database (a missing one is skipped)
TIMED_TABLES = (
    "res_partner",
    "crm_lead",
    "crm_lead_scoring_frequency",
    "marketing_event",
    "marketing_event_queue",
    "marketing_score_history",
    "mailing_trace",
    "mail_mail",
)


@contextlib.contextmanager
def autovacuum_paused(envs):
    """No autovacuum worker on the timed tables while the jobs are timed; they are vacuumed first instead.

    On two cores an autovacuum worker competes with whichever job it starts beside: in a run from
    nothing, ``marketing_event``'s first autovacuum (due once its million rows are generated) ran
    inside the addon's first timed pass, and ``res_partner``'s in the other database beside it.
    Vacuumed as autovacuum keeps tables in daily use (hint bits and visibility map set), then left
    alone until the jobs are done, for both jobs alike."""
    paused = []
    try:
        for env in envs:
            env.cr.execute("SELECT relname FROM pg_class WHERE relkind = 'r' AND relname IN %s", [TIMED_TABLES])
            names = sorted(row[0] for row in env.cr.fetchall())
            env.cr.commit()
            env.cr._cnx.autocommit = True
            try:
                for name in names:
                    env.cr.execute("ALTER TABLE %s SET (autovacuum_enabled = false)" % name)
                    paused.append((env, name))
                    env.cr.execute("VACUUM (ANALYZE) %s" % name)
            finally:
                env.cr._cnx.autocommit = False
        yield
    finally:
        for env, name in paused:
            env.cr.rollback()
            env.cr.execute("ALTER TABLE %s RESET (autovacuum_enabled)" % name)
            env.cr.commit()


def pack(env, table_names, fillfactor=100, in_id_order=False):
    """VACUUM FULL, every page filled to ``fillfactor`` percent: 100 is a table as a restore or a
    fresh import leaves it, no free space on any page; less is a table in daily use, where updates
    and deletes left room on its pages (an update may then stay on its page: HOT). ``in_id_order``
    rewrites the rows in id order (CLUSTER), as a fresh import lays them out; VACUUM FULL keeps the
    order earlier updates left."""
    env.cr.commit()
    env.cr._cnx.autocommit = True
    try:
        for table in table_names:
            env.cr.execute("ALTER TABLE %s SET (fillfactor = %d)" % (table, fillfactor))
            if in_id_order:
                env.cr.execute("CLUSTER %s USING %s_pkey" % (table, table))
            else:
                env.cr.execute("VACUUM FULL %s" % table)
            env.cr.execute("ALTER TABLE %s RESET (fillfactor)" % table)
            env.cr.execute("ANALYZE %s" % table)
    finally:
        env.cr._cnx.autocommit = False
    checkpoint(env)


def pls_pending_leads(env):
    """The leads Odoo's cron recomputes: active, in a stage, neither won nor lost (its own domain)."""
    start = env["crm.lead"]._pls_get_safe_start_date()
    return env["crm.lead"].search_count(
        [
            ("stage_id", "!=", False),
            ("create_date", ">=", start),
            "|",
            ("probability", "=", False),
            "&",
            ("probability", "<", 100),
            ("probability", ">", 0),
        ]
    )


def rescore_chunk():
    # imported once Odoo knows its addons path
    from odoo.addons.marketing_automation_ext.models.marketing_score_rule import RESCORE_CHUNK  # noqa: PLC0415

    return RESCORE_CHUNK


def cron_pass(env, now=None):
    """The full rescore as the cron runs it: a chunk of contacts with their leads per transaction."""
    chunk = rescore_chunk()
    while True:
        progress = env["marketing.score.rule"]._rescore_next_chunk(chunk, now=now)
        env.cr.commit()
        if progress is None:
            raise RuntimeError("a rescore chunk was postponed: something else is writing to the bench database")
        if not progress[1]:
            return


# The tables' states both first runs are measured in, as (label, fillfactor, rows in id order).
# Odoo's cron updates leads by lists of ids: with the rows in id order it walks the table in order
# and runs about 1.5x faster than on rows that earlier updates moved (its own included).
TABLE_STATES = [
    ("packed tables, rows in id order", 100, True),
    ("packed tables", 100, False),
    ("40% free on every page", 60, False),
]


def bench_full_rescore(env, size, events):
    """Both jobs first in each state of TABLE_STATES, the same for both (since the pre-init hook,
    installing leaves res_partner and crm_lead as they were), then both again on the tables as they
    left them (the next night)."""
    log(
        "-- full rescore: %d contacts + %d leads over %d events, %d contacts per transaction"
        % (size, size, events, rescore_chunk())
    )
    pending = pls_pending_leads(env)
    first = []
    for state, fillfactor, in_id_order in TABLE_STATES:
        # worst case, as on the first night: every stored score changes
        env.cr.execute("UPDATE res_partner SET marketing_score = 0 WHERE marketing_score <> 0")
        env.cr.execute("UPDATE crm_lead SET marketing_score = 0 WHERE marketing_score <> 0")
        env.cr.execute("DELETE FROM marketing_score_history")
        pack(env, ["res_partner", "crm_lead"], fillfactor, in_id_order)
        pack(env, ["marketing_score_history"])
        seconds_ours, _r = timed(lambda: cron_pass(env))
        log("   addon full rescore, first run (every score written), %s: %.2f s" % (state, seconds_ours))
        pack(env, ["crm_lead"], fillfactor, in_id_order)
        seconds_odoo, _r = timed(lambda: env["crm.lead"]._cron_update_automated_probabilities())
        env.cr.commit()
        log("   Odoo _cron_update_automated_probabilities, %s (%d leads): %.2f s" % (state, pending, seconds_odoo))
        first.append((state, seconds_ours, seconds_odoo))
    # the nightly run: one day later, decay moves some scores
    tomorrow = odoo.fields.Datetime.now() + datetime.timedelta(days=1)
    env.cr.execute("SELECT count(*) FROM marketing_score_history")
    before = env.cr.fetchone()[0]
    checkpoint(env)
    seconds_ours, _r = timed(lambda: cron_pass(env, now=tomorrow))
    env.cr.execute("SELECT count(*) FROM marketing_score_history")
    changed = env.cr.fetchone()[0] - before
    env.cr.commit()
    log("   addon full rescore, next night (%d scores changed): %.2f s" % (changed, seconds_ours))
    checkpoint(env)
    seconds_odoo, _r = timed(lambda: env["crm.lead"]._cron_update_automated_probabilities())
    env.cr.commit()
    log("   Odoo _cron_update_automated_probabilities, next night (%d leads): %.2f s" % (pending, seconds_odoo))
    seconds_own = bench_own_touchpoints(env, tomorrow)
    return first, seconds_ours, changed, seconds_odoo, pending, seconds_own


def bench_own_touchpoints(env, now):
    """The nightly pass again with one lead in ten holding touchpoints of its own, not its contact's
    (mail sent to the lead's address before it had a contact, a call logged on it): the rescore's
    branch the generated data never takes otherwise. Those touchpoints are removed afterwards."""
    cr = env.cr
    cr.execute(
        """INSERT INTO marketing_event (event_type, channel, partner_id, lead_id, date, source_key,
                                        company_id, create_uid, create_date, write_uid, write_date)
           SELECT (ARRAY['email_open', 'email_click', 'activity_done'])[g],
                  (ARRAY['email', 'email', 'crm'])[g], NULL, l.id,
                  now() - (random() * 60) * interval '1 day', 'bench-own:' || l.id || ':' || g, 1, 1, now(), 1, now()
             FROM crm_lead l CROSS JOIN generate_series(1, 3) g
            WHERE l.id % 10 = 0"""
    )
    added = cr.rowcount
    cr.execute("ANALYZE marketing_event")
    checkpoint(env)
    try:
        seconds, _r = timed(lambda: cron_pass(env, now=now))
    finally:
        cr.execute("DELETE FROM marketing_event WHERE source_key LIKE 'bench-own:%'")
        cr.commit()
    log("   addon full rescore, next night with %d touchpoints of one lead in ten: %.2f s" % (added, seconds))
    return seconds


def bench_incremental(env_addon, env_base, traces_addon, traces_base, count):
    """Open `count` traces through set_opened(): with the addon (its queue trigger) and without,
    one call each in turn so that both see the same machine load; medians."""

    def one(env, trace_id):
        trace = env["mailing.trace"].browse(trace_id)
        start = time.perf_counter()
        trace.set_opened()
        env.flush_all()
        return time.perf_counter() - start

    pairs = list(zip(traces_addon[:count], traces_base[:count], strict=True))
    # the first 20 warm both registries' caches (not measured)
    for (trace_addon, _m), (trace_base, _n) in pairs[:20]:
        one(env_addon, trace_addon)
        one(env_base, trace_base)
    durations = {"addon": [], "base": []}
    for index, ((trace_addon, _m), (trace_base, _n)) in enumerate(pairs[20:]):
        # each side goes first every other pair: whatever the first call of a pair pays, both pay it
        calls = [("addon", env_addon, trace_addon), ("base", env_base, trace_base)]
        for side, env, trace_id in calls if index % 2 else reversed(calls):
            durations[side].append(one(env, trace_id))
    for env in (env_addon, env_base):
        env.cr.rollback()
        env.invalidate_all()
    return statistics.median(durations["addon"]), statistics.median(durations["base"])


def start_server(config, db, port):
    env = dict(os.environ)
    command = [
        sys.executable,
        os.path.join(odoo.tools.config["root_path"], "..", "odoo-bin"),
        "-c",
        config,
        "-d",
        db,
        "--db-filter",
        "^%s$" % db,
        "--http-port",
        str(port),
        "--max-cron-threads",
        "0",
        "--log-level",
        "warn",
        "--workers",
        "0",
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(120):
        try:
            if (
                requests.get("http://127.0.0.1:%s/web/webclient/version_info" % port, timeout=2, json={}).status_code
                < 500
            ):
                return process
        except requests.RequestException:
            pass
        time.sleep(0.5)
    process.kill()
    raise RuntimeError("Odoo did not start on port %s" % port)


def bench_pixel(config, env_addon, env_base, db_addon, db_base, traces_addon, traces_base, count, port):
    token_addon = env_addon["mail.mail"]._generate_mail_recipient_token
    token_base = env_base["mail.mail"]._generate_mail_recipient_token
    urls_addon = ["/mail/track/%s/%s/blank.gif" % (mail, token_addon(mail)) for _t, mail in traces_addon]
    urls_base = ["/mail/track/%s/%s/blank.gif" % (mail, token_base(mail)) for _t, mail in traces_base]
    servers = [start_server(config, db_addon, port), start_server(config, db_base, port + 1)]
    try:
        session = requests.Session()
        latencies = {"addon": [], "base": []}

        def hit(kind, url):
            start = time.perf_counter()
            response = session.get("http://127.0.0.1:%s%s" % (port if kind == "addon" else port + 1, url), timeout=30)
            elapsed = time.perf_counter() - start
            assert response.status_code == 200, response.status_code
            return elapsed

        for i in range(20):  # warm-up on the last traces (not measured)
            hit("addon", urls_addon[-1 - i])
            hit("base", urls_base[-1 - i])
        for i in range(count):  # interleaved, so both see the same machine load
            latencies["addon"].append(hit("addon", urls_addon[i]))
            latencies["base"].append(hit("base", urls_base[i]))
        return latencies
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--base-db", required=True)
    parser.add_argument("--contacts", type=int, default=100000)
    parser.add_argument("--events-per-contact", type=int, default=10)
    parser.add_argument("--opens", type=int, default=300)
    parser.add_argument("--http-port", type=int, default=8269)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "--no-http"])
    random.seed(1)

    addon = Registry(args.db)
    base = Registry(args.base_db)
    with addon.cursor() as cr_addon, base.cursor() as cr_base:
        env_addon = api.Environment(cr_addon, SUPERUSER_ID, {})
        env_base = api.Environment(cr_base, SUPERUSER_ID, {})
        log("-- preparing data (first run only)")
        generate_contacts_and_leads(env_addon, args.contacts)
        generate_events(env_addon, args.events_per_contact)
        generate_contacts_and_leads(env_base, args.contacts)
        cr_addon.execute("SELECT count(*) FROM marketing_event")
        events = cr_addon.fetchone()[0]
        cr_addon.execute("SELECT count(*) FROM crm_lead")
        leads = cr_addon.fetchone()[0]
        cr_addon.execute("SELECT count(*) FROM res_partner")
        partners = cr_addon.fetchone()[0]

        needed = args.opens * 2 + 40
        traces_addon = generate_mailing_traces(env_addon, needed)
        traces_base = generate_mailing_traces(env_base, needed)
        match_trace_counts(env_addon, env_base)

        with autovacuum_paused([env_addon, env_base]):
            first, ours, changed, odoo_pls, pending, own = bench_full_rescore(env_addon, args.contacts, events)
            incr_addon, incr_base = bench_incremental(
                env_addon, env_base, traces_addon[: args.opens], traces_base[: args.opens], args.opens
            )
            pixel = bench_pixel(
                args.config,
                env_addon,
                env_base,
                args.db,
                args.base_db,
                traces_addon[args.opens :],
                traces_base[args.opens :],
                args.opens,
                args.http_port,
            )

    # per record rescored: the addon rescores every contact and every lead; Odoo's cron recomputes
    # the open leads (won and lost ones keep their probability)
    per_record_ours = ours / (partners + leads)
    per_lead_odoo = odoo_pls / pending
    pixel_addon = statistics.median(pixel["addon"]) * 1000
    pixel_base = statistics.median(pixel["base"]) * 1000
    size = "%d contacts, %d leads (%d open), %d events" % (partners, leads, pending, events)
    all_records = partners + leads
    rows = [
        (
            "full rescore, first run (all written), %s, per record" % state,
            size,
            "%.1f us" % (seconds_ours / all_records * 1e6),
            "%.1f us" % (seconds_odoo / pending * 1e6),
            (seconds_ours / all_records) / (seconds_odoo / pending),
        )
        for state, seconds_ours, seconds_odoo in first
    ]
    rows.append(
        (
            "full rescore, next night (%d changed), per record" % changed,
            size,
            "%.1f us" % (per_record_ours * 1e6),
            "%.1f us" % (per_lead_odoo * 1e6),
            per_record_ours / per_lead_odoo,
        )
    )
    rows.append(
        (
            "full rescore, next night, one lead in ten with touchpoints of its own, per record",
            size,
            "%.1f us" % (own / all_records * 1e6),
            "%.1f us" % (per_lead_odoo * 1e6),
            (own / all_records) / per_lead_odoo,
        )
    )
    rows += [
        (
            "full rescore, first run, %s, whole job vs whole PLS cron" % state,
            size,
            "%.2f s" % seconds_ours,
            "%.2f s" % seconds_odoo,
            seconds_ours / seconds_odoo,
        )
        for state, seconds_ours, seconds_odoo in first
    ]
    rows += [
        (
            "full rescore, next night, whole job vs whole PLS cron",
            size,
            "%.2f s" % ours,
            "%.2f s" % odoo_pls,
            ours / odoo_pls,
        ),
        (
            "open tracked (set_opened), per event (median, interleaved)",
            "%d traces each" % (args.opens - 20),
            "%.2f ms" % (incr_addon * 1000),
            "%.2f ms" % (incr_base * 1000),
            incr_addon / incr_base,
        ),
        (
            "open pixel route, median latency",
            "%d requests each" % args.opens,
            "%.2f ms" % pixel_addon,
            "%.2f ms" % pixel_base,
            pixel_addon / pixel_base,
        ),
    ]
    log("")
    log("| measure | data | addon | Odoo baseline | ratio |")
    log("|---|---|---|---|---|")
    for name, data, mine, theirs, ratio in rows:
        log("| %s | %s | %s | %s | %.2f |" % (name, data, mine, theirs, ratio))
    log("")
    log(
        "Odoo baselines: crm.lead._cron_update_automated_probabilities on the same leads (per record: per open "
        "lead, the ones it recomputes; the addon's per contact and lead, all of which it rescores); "
        "set_opened and /mail/track/<id>/<token>/blank.gif in a database without the addon."
    )
    checks = [
        ("full rescore per record, first run, %s" % state, (ours_s / all_records) / (odoo_s / pending), 1.2)
        for state, ours_s, odoo_s in first
    ]
    checks += [
        ("full rescore per record, next night", per_record_ours / per_lead_odoo, 1.0),
        ("full rescore per record, next night, leads' own touchpoints", (own / all_records) / per_lead_odoo, 1.0),
        ("set_opened per event (median)", incr_addon / incr_base, 1.10),
    ]
    check_targets(checks)


if __name__ == "__main__":
    main()
