"""Segment benchmark: refresh a dynamic segment against Odoo's own search() of the same audience.

Runs on the database prepared by bench_scoring.py (N contacts, 10 events each).
Segment: bench contacts who did anything in the last 365 days (every bench
contact: N members). Odoo baseline in the same run: ``res.partner.search()`` of
the equivalent domain, with ``marketing_event_ids any [...]`` for the
engagement condition.
"""

import argparse
import datetime
import statistics

from bench_common import check_targets, log, timed

import odoo
from odoo import SUPERUSER_ID, api, fields
from odoo.modules.registry import Registry
from odoo.tools import SQL


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--incremental", type=int, default=200)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "--no-http"])
    registry = Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Segment = env["marketing.segment"]
        since = fields.Datetime.now() - datetime.timedelta(days=365)
        domain = [("email", "=like", "bench-%")]
        segment = Segment.search([("name", "=", "Bench: active contacts")])
        if segment:
            cr.execute("DELETE FROM marketing_event WHERE segment_id = %s", [segment.id])
            segment.unlink()
        segment = Segment.create(
            {
                "name": "Bench: active contacts",
                "model_name": "res.partner",
                "domain": repr(domain),
                "condition_ids": [(0, 0, {"kind": "did", "days": 365})],
            }
        )
        cr.commit()
        cr.execute("ANALYZE marketing_event")

        orm_domain = domain + [("marketing_event_ids", "any", [("date", ">=", since)])]
        odoo_times = []
        for _ in range(3):
            env.invalidate_all()
            seconds, found = timed(lambda: env["res.partner"].with_context(active_test=True).search(orm_domain).ids)
            odoo_times.append(seconds)
        members = len(found)
        odoo_search = statistics.median(odoo_times)
        log("-- segment of %d members; Odoo search() of the same domain: %.2f s" % (members, odoo_search))

        first, _r = timed(lambda: segment._refresh())
        cr.commit()
        log("   first refresh (defines the segment: %d members stored): %.2f s" % (segment.member_count, first))
        steady_times = []
        for _ in range(3):
            seconds, _r = timed(lambda: segment._refresh())
            cr.commit()
            steady_times.append(seconds)
        steady = statistics.median(steady_times)
        log("   refresh with nothing changed: %.2f s" % steady)

        cr.execute("SELECT id FROM res_partner WHERE email LIKE 'bench-%%' ORDER BY id LIMIT %s", [args.incremental])
        sample = [row[0] for row in cr.fetchall()]
        # interleaved, one contact at a time: load on the machine hits both sides alike
        single = env["res.partner"].with_context(active_test=True)
        ours, theirs = [], []
        for partner_id in sample:
            seconds, _r = timed(lambda partner_id=partner_id: segment._refresh(res_ids=[partner_id]))
            ours.append(seconds)
            seconds, _r = timed(lambda partner_id=partner_id: single.search(orm_domain + [("id", "=", partner_id)]))
            theirs.append(seconds)
        cr.rollback()
        incremental, single_search = statistics.median(ours), statistics.median(theirs)

        # the physical floor of a first build: the same membership rows written by a bare
        # INSERT ... SELECT of the same audience (no diff, no counts), rolled back each time
        floor_times, build_times = [], []
        for _ in range(3):
            cr.execute("DELETE FROM marketing_segment_member WHERE segment_id = %s", [segment.id])
            cr.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
            seconds, _r = timed(
                lambda: cr.execute(
                    SQL(
                        """INSERT INTO marketing_segment_member (segment_id, partner_id, date_entered)
                           SELECT %s, t.id, now() FROM (%s) t""",
                        segment.id,
                        segment._target_query(),
                    )
                )
            )
            floor_times.append(seconds)
            cr.rollback()
            cr.execute("DELETE FROM marketing_segment_member WHERE segment_id = %s", [segment.id])
            cr.execute("UPDATE marketing_segment SET last_refresh = NULL WHERE id = %s", [segment.id])
            segment.invalidate_recordset()
            seconds, _r = timed(lambda: segment._refresh())
            build_times.append(seconds)
            cr.rollback()
        floor = statistics.median(floor_times)
        build = statistics.median(build_times)
        log("   first build (median of 3): %.2f s; bare INSERT ... SELECT: %.2f s" % (build, floor))

    log("")
    log("| measure | data | addon | Odoo baseline | ratio |")
    log("|---|---|---|---|---|")
    rows = [
        ("segment refresh, nothing changed", "%d members" % members, steady, odoo_search),
        ("segment refresh, first (all stored)", "%d members" % members, first, odoo_search),
        ("first build vs bare INSERT ... SELECT (floor)", "%d members" % members, build, floor),
        ("incremental refresh of one contact (median)", "%d contacts" % len(sample), incremental, single_search),
    ]
    for name, data, mine, theirs in rows:
        log("| %s | %s | %.2f ms | %.2f ms | %.2f |" % (name, data, mine * 1000, theirs * 1000, mine / theirs))
    log("")
    log(
        "Odoo baseline: res.partner.search() of the same domain and engagement condition "
        "(marketing_event_ids any [...]), for all contacts and for one contact (interleaved with ours);"
        " the first build is also compared with a bare INSERT ... SELECT of the same member rows."
    )
    check_targets(
        [
            ("segment first build vs bare INSERT ... SELECT", build / floor, 1.5),
            ("incremental refresh of one contact vs one-record search", incremental / single_search, 1.5),
        ]
    )


if __name__ == "__main__":
    main()
