"""Shared by the bench scripts: printing, timing, and a sent mailing whose traces are made in SQL."""

import time


def log(message):
    print(message, flush=True)


def check_targets(checks):
    """Print each (measure, ratio, target) against its target (issue 13, item 8) and exit 1 when
    one is missed, after the whole table is printed: a benchmark fails when its guarantee breaks."""
    missed = [(name, ratio, target) for name, ratio, target in checks if ratio > target]
    for name, ratio, target in checks:
        log("   target %-62s %.2f <= %.2f: %s" % (name, ratio, target, "MISSED" if ratio > target else "ok"))
    log("targets: %s" % ("%d MISSED" % len(missed) if missed else "ok"))
    if missed:
        raise SystemExit(1)


def timed(function):
    """(seconds, result) of calling ``function``."""
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def sent_mailing(env, name, count, mail_id_offset, newest_first=False):
    """The mailing `name` (created once) with one 'sent' trace per bench contact, up to `count`."""
    existing = env["mailing.mailing"].search([("name", "=", name)], limit=1)
    if existing:
        return existing  # its traces were made with it
    mailing = bench_mailing(env, name)
    env.cr.execute(
        f"""INSERT INTO mailing_trace (trace_type, mail_mail_id_int, email, model, res_id, mass_mailing_id,
                                       trace_status, sent_datetime, create_uid, create_date, write_uid, write_date)
            SELECT 'mail', %s + p.id, p.email, 'res.partner', p.id, %s, 'sent', now(), 1, now(), 1, now()
              FROM res_partner p WHERE p.email LIKE 'bench-%%'
             ORDER BY p.id {"DESC" if newest_first else "ASC"} LIMIT %s""",
        [mail_id_offset, mailing.id, count],
    )
    env.cr.commit()
    return mailing


def bench_mailing(env, name):
    """The sent mailing ``name`` to bench contacts, created the first time."""
    mailing = env["mailing.mailing"].search([("name", "=", name)], limit=1)
    return mailing or env["mailing.mailing"].create(
        {
            "name": name,
            "subject": name,
            "body_html": "<p>Hi</p>",
            "mailing_model_id": env["ir.model"]._get_id("res.partner"),
            "state": "done",
        }
    )
