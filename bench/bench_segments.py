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
import time

from bench_common import log, timed

import odoo
from odoo import SUPERUSER_ID, api, fields
from odoo.modules.registry import Registry


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
        durations = []
        for partner_id in sample:
            start = time.perf_counter()
            segment._refresh(res_ids=[partner_id])
            durations.append(time.perf_counter() - start)
        cr.rollback()
        incremental = statistics.mean(durations)

        single = env["res.partner"].with_context(active_test=True)
        durations = []
        for partner_id in sample:
            start = time.perf_counter()
            single.search(orm_domain + [("id", "=", partner_id)])
            durations.append(time.perf_counter() - start)
        single_search = statistics.mean(durations)

    log("")
    log("| measure | data | addon | Odoo baseline | ratio |")
    log("|---|---|---|---|---|")
    rows = [
        ("segment refresh, nothing changed", "%d members" % members, steady, odoo_search),
        ("segment refresh, first (all stored)", "%d members" % members, first, odoo_search),
        ("incremental refresh of one contact", "%d contacts" % len(sample), incremental, single_search),
    ]
    for name, data, mine, theirs in rows:
        log("| %s | %s | %.2f ms | %.2f ms | %.2f |" % (name, data, mine * 1000, theirs * 1000, mine / theirs))
    log("")
    log(
        "Odoo baseline: res.partner.search() of the same domain and engagement condition "
        "(marketing_event_ids any [...]), for all contacts and for one contact."
    )


if __name__ == "__main__":
    main()
