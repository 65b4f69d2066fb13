"""Frequency cap at scale: the send-time check of a journey batch over 10M mailing traces.

Runs on its own database (``make bench`` copies the bench database once and adds the traces:
N contacts x ``--per-contact`` traces over the last year). Each journey batch asks, for its
addresses, how many messages each got in the cap's period (``_frequency_capped``, the
addon's SQL); Odoo's own way of the same question is ``mailing.trace._read_group`` of the
same domain grouped by address with ``having`` (its ORM, one call). Both are timed on the
same batches, interleaved; then the addon's check once more without its index, to show what
the index is for.
"""

import argparse
import datetime
import statistics
import time

from bench_common import bench_mailing, log, timed

import odoo
from odoo import SUPERUSER_ID, api, fields
from odoo.modules.registry import Registry

MAILING = "Bench: frequency cap history"


def ensure_traces(env, per_contact):
    """The history traces (made once): per bench contact, ``per_contact`` messages over a year."""
    cr = env.cr
    mailing = bench_mailing(env, MAILING)
    cr.execute("SELECT count(*) FROM mailing_trace WHERE mass_mailing_id = %s", [mailing.id])
    existing = cr.fetchone()[0]
    if not existing:
        log("-- adding %d traces per contact (first run only)" % per_contact)
        # a bulk load: the indexes are built once afterwards rather than row by row
        start = time.perf_counter()
        cr.execute(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
                WHERE i.tablename = 'mailing_trace'
                  AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conname = i.indexname)"""
        )
        indexes = cr.fetchall()
        for name, _definition in indexes:
            cr.execute('DROP INDEX "%s"' % name)
        cr.execute(
            """INSERT INTO mailing_trace (trace_type, email, model, res_id, mass_mailing_id, trace_status,
                                              sent_datetime, create_uid, create_date, write_uid, write_date)
                   SELECT 'mail', p.email, 'res.partner', p.id, %s,
                          (ARRAY['sent', 'sent', 'sent', 'open', 'open', 'reply', 'bounce', 'cancel'])[1 + n %% 8],
                          d, 1, d, 1, d
                     FROM res_partner p,
                          generate_series(1, %s) n,
                          LATERAL (SELECT now() at time zone 'UTC'
                                          - ((n * 7919 + p.id) %% 525600) * interval '1 minute' AS d) moment
                    WHERE p.email LIKE 'bench-%%'""",
            [mailing.id, per_contact],
        )
        for _name, definition in indexes:
            cr.execute(definition)
        cr.execute("ANALYZE mailing_trace")
        seconds = time.perf_counter() - start
        cr.commit()
        cr.execute("SELECT count(*) FROM mailing_trace WHERE mass_mailing_id = %s", [mailing.id])
        existing = cr.fetchone()[0]
        log("   %d traces added in %.0f s (indexes built after)" % (existing, seconds))
    cr.execute("SELECT count(*) FROM mailing_trace")
    return cr.fetchone()[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--per-contact", type=int, default=100)
    parser.add_argument("--batch", type=int, default=500, help="addresses per journey batch")
    parser.add_argument("--batches", type=int, default=20)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "--no-http"])
    registry = Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        total = ensure_traces(env, args.per_contact)
        params = env["ir.config_parameter"]
        params.set_param("marketing_automation_ext.frequency_cap", 3)
        params.set_param("marketing_automation_ext.frequency_days", 7)
        cr.execute(
            "SELECT email FROM res_partner WHERE email LIKE 'bench-%%' ORDER BY id LIMIT %s",
            [args.batch * args.batches],
        )
        emails = [row[0] for row in cr.fetchall()]
        batches = [emails[i : i + args.batch] for i in range(0, len(emails), args.batch)]
        now = fields.Datetime.now()
        since = now - datetime.timedelta(days=7)
        Trace = env["marketing.workflow.trace"]
        domain_base = [("create_date", ">=", since), ("trace_status", "not in", ("cancel", "error"))]
        ours, theirs, capped = [], [], 0

        def addon_check(batch):
            return Trace._frequency_capped("email", batch, now)

        def odoo_check(batch):
            return env["mailing.trace"]._read_group(
                domain_base + [("email", "in", batch)],
                ["email"],
                ["__count", "create_date:min"],
                having=[("__count", ">=", 3)],
            )

        for index, batch in enumerate(batches):
            # who goes first alternates: the second finds the first one's pages in cache
            first, second = (addon_check, odoo_check) if index % 2 else (odoo_check, addon_check)
            (seconds_first, found_first), (seconds_second, found_second) = (
                timed(lambda check=first, batch=batch: check(batch)),
                timed(lambda check=second, batch=batch: check(batch)),
            )
            results = {first: (seconds_first, found_first), second: (seconds_second, found_second)}
            ours.append(results[addon_check][0])
            theirs.append(results[odoo_check][0])
            capped += len(results[addon_check][1])
            assert len(results[odoo_check][1]) == len(results[addon_check][1]), "the ORM and the addon disagree"
        # the same check without the addon's index (dropped in this transaction, rolled back)
        cr.execute("DROP INDEX mailing_trace_marketing_cap_email_idx")
        unindexed, _r = timed(lambda: Trace._frequency_capped("email", batches[0], now))
        cr.rollback()
        params.set_param("marketing_automation_ext.frequency_cap", 0)
        cr.commit()

    mine, odoo_way = statistics.median(ours), statistics.median(theirs)
    log("")
    log("| measure | data | addon | Odoo baseline | ratio |")
    log("|---|---|---|---|---|")
    log(
        "| frequency cap check, one journey batch (median of %d) | %d addresses, %d mailing traces, %d capped |"
        " %.2f ms | %.2f ms | %.2f |"
        % (len(batches), args.batch, total, capped, mine * 1000, odoo_way * 1000, mine / odoo_way)
    )
    log(
        "| the same without the addon's (email, create_date) index | %d addresses | %.2f ms | | %.1f× the indexed |"
        % (args.batch, unindexed * 1000, unindexed / mine)
    )
    log("")
    log("Odoo baseline: mailing.trace._read_group of the same domain grouped by email, having count >= the cap.")


if __name__ == "__main__":
    main()
