"""Best send time and channel benchmark: the recommendations cron over every contact, against
Odoo's own way of getting the simplest answer from the same log.

Runs on the database prepared by bench_scoring.py (N contacts, ~10 events each).

- Addon: the weekly job (``_cron_refresh_prior``: the population prior, every contact due)
  then ``_cron_recompute(batch_size=5000)`` + commit until nothing is due, as the cron does;
  then an incremental pass after 1,000 contacts got a new open.
- Odoo baseline: ``marketing.event._read_group`` of the same opens, clicks and replies grouped
  by contact, ``date:day_of_week`` and ``date:hour_number`` (the vendors' "hour with the most
  opens", which is what Odoo's ORM gives in one call), reduced to one slot per contact.
"""

import argparse

from bench_common import log, timed

import odoo
from odoo import SUPERUSER_ID, api, fields
from odoo.modules.registry import Registry

READS = ("email_open", "email_click", "email_reply")


def full_run(env):
    Recommendation = env["marketing.recommendation"]
    prior_seconds, _r = timed(Recommendation._cron_refresh_prior)
    env.cr.commit()
    passes, contacts = 0, 0

    def drain():
        nonlocal passes
        while True:
            remaining = Recommendation._cron_recompute(batch_size=5000)
            env.cr.commit()
            passes += 1
            if not remaining:
                return

    seconds, _r = timed(drain)
    env.cr.execute("SELECT count(*) FROM res_partner WHERE marketing_send_time_date IS NOT NULL")
    contacts = env.cr.fetchone()[0]
    return prior_seconds, seconds, passes, contacts


def incremental_run(env, count):
    env.cr.execute(
        """INSERT INTO marketing_event (event_type, channel, partner_id, date, source_key, company_id,
                                        create_uid, create_date, write_uid, write_date)
           SELECT 'email_open', 'email', p.id, now() at time zone 'UTC', 'bench-reco:' || p.id || ':' || now(),
                  1, 1, now() at time zone 'UTC' + interval '1 second', 1, now() at time zone 'UTC'
             FROM res_partner p WHERE p.email LIKE 'bench-%%' ORDER BY p.id LIMIT %s""",
        [count],
    )
    env.cr.commit()
    seconds, remaining = timed(lambda: env["marketing.recommendation"]._cron_recompute(batch_size=5000))
    env.cr.commit()
    return seconds


def odoo_baseline(env):
    def group():
        groups = env["marketing.event"]._read_group(
            [("event_type", "in", READS), ("partner_id", "!=", False)],
            ["partner_id", "date:day_of_week", "date:hour_number"],
            ["__count"],
        )
        best = {}
        for partner, weekday, hour, count in groups:
            if count > best.get(partner.id, (0, None))[0]:
                best[partner.id] = (count, (weekday, hour))
        return len(best)

    env.invalidate_all()
    return timed(group)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--incremental", type=int, default=1000)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "--no-http"])
    registry = Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        cr.execute("SELECT count(*) FROM marketing_event")
        events = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM res_partner WHERE active")
        partners = cr.fetchone()[0]
        log("-- best send time and channel: %d contacts, %d events" % (partners, events))
        base_seconds, readers = odoo_baseline(env)
        log(
            "   Odoo _read_group by contact, weekday, hour (mode of open hours): %.2f s, %d readers"
            % (base_seconds, readers)
        )
        prior, seconds, passes, contacts = full_run(env)
        log(
            "   addon: population prior %.2f s; %d contacts recomputed in %.2f s (%d cron passes)"
            % (prior, contacts, seconds, passes)
        )
        incremental = incremental_run(env, args.incremental)
        log("   addon: incremental pass after %d new opens: %.2f s" % (args.incremental, incremental))
        cr.execute("DELETE FROM marketing_event WHERE source_key LIKE 'bench-reco:%%'")
        cr.commit()
        whole = prior + seconds
        log("")
        log("| measure | data | addon | Odoo baseline | ratio |")
        log("|---|---|---|---|---|")
        log(
            "| every contact's best time and channel vs the mode of open hours by _read_group | %d contacts, %d events"
            " | %.1f s | %.1f s | %.2f |" % (contacts, events, whole, base_seconds, whole / base_seconds)
        )
        log(
            "| per contact | same | %.0f us | %.0f us | %.2f |"
            % (
                whole / contacts * 1e6,
                base_seconds / max(readers, 1) * 1e6,
                (whole / contacts) / (base_seconds / max(readers, 1)),
            )
        )
        log("| incremental pass, %d contacts with a new open | same | %.2f s | | |" % (args.incremental, incremental))
        log("")
        log(
            "Odoo baseline: the vendors' simplest rule, as Odoo's ORM computes it in one _read_group (%s)."
            % (fields.Datetime.now().date())
        )


if __name__ == "__main__":
    main()
