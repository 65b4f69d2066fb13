"""Dashboard benchmark: every figure of the marketing dashboard in one call, against Odoo's own
``_read_group`` of the same figures, on the bench database (N contacts, N × 10 touchpoints).

Adds, once, in SQL: 10 running journeys with two emails each, one participant per bench contact
(5% converted) enrolled over the last 90 days, a sent message per participant (opened, clicked,
replied, bounced in fixed shares), N engagement touchpoints on those emails, a closing date on the
won bench leads, and 2 score changes per contact.

Measured: wall time and number of SQL queries of ``marketing.dashboard.get_dashboard_data`` (the
default 90-day period, all journeys), then the same with one journey selected (far fewer rows: the
query count must not change), and Odoo's ``_read_group`` of the figures it can express: participants
and conversions per journey and week, the funnel per journey (one read_group per stage), touchpoints
by weekday and hour, segment sizes per day, won revenue, contacts per grade (today only; the
dashboard's week-by-week grades and the first/last/linear attribution have no read_group form).
"""

import argparse
import statistics
from datetime import timedelta

from bench_common import log, timed
from bench_scoring import generate_contacts_and_leads, generate_events

import odoo
from odoo import SUPERUSER_ID, api, fields
from odoo.modules.registry import Registry

JOURNEYS = 10
PREFIX = "Bench dashboard journey"


def generate(env):
    cr = env.cr
    if env["marketing.workflow"].search_count([("name", "=like", PREFIX + "%")]):
        return
    log("-- generating journeys, participants, messages, touchpoints, closing dates, score history")
    workflows = env["marketing.workflow"]
    mailings = env["mailing.mailing"]
    for number in range(1, JOURNEYS + 1):
        workflow = env["marketing.workflow"].create(
            {"name": "%s %d" % (PREFIX, number), "model_name": "res.partner", "trigger": "manual", "cost": 1000}
        )
        pair = env["mailing.mailing"].create(
            [
                {
                    "subject": "%s %d: %s" % (PREFIX, number, what),
                    "marketing_workflow_id": workflow.id,
                    "body_html": "<p>Hi</p>",
                    "marketing_cost": 100,
                }
                for what in ("welcome", "offer")
            ]
        )
        first = env["marketing.workflow.step"].create(
            {"name": "Welcome", "workflow_id": workflow.id, "action_type": "email", "mailing_id": pair[0].id}
        )
        env["marketing.workflow.step"].create(
            {
                "name": "Offer",
                "workflow_id": workflow.id,
                "parent_id": first.id,
                "condition": "opened",
                "action_type": "email",
                "mailing_id": pair[1].id,
            }
        )
        workflows |= workflow
        mailings |= pair
    workflows.write({"state": "running"})
    env.flush_all()
    cr.execute(
        """INSERT INTO marketing_workflow_participant (workflow_id, res_model, res_id, partner_id, unique_key, state,
                                                       is_test, date_enrolled, create_uid, create_date, write_uid,
                                                       write_date)
           SELECT (%s::int[])[1 + p.id %% %s], 'res.partner', p.id, p.id, 'res.partner:' || p.id,
                  CASE WHEN p.id %% 20 = 0 THEN 'converted' ELSE 'running' END, false,
                  now() - (p.id %% 90) * interval '1 day' - (p.id %% 24) * interval '1 hour', 1, now(), 1, now()
             FROM res_partner p WHERE p.email LIKE 'bench-%%'""",
        [workflows.ids, JOURNEYS],
    )
    cr.execute(
        """INSERT INTO marketing_workflow_trace (participant_id, workflow_id, step_id, state, schedule_date,
                                                 date_processed, attempts, create_uid, create_date, write_uid,
                                                 write_date)
           SELECT pa.id, pa.workflow_id, s.id, 'processed', pa.date_enrolled, pa.date_enrolled, 1, 1, now(), 1, now()
             FROM marketing_workflow_participant pa
             JOIN marketing_workflow_step s ON s.workflow_id = pa.workflow_id AND s.parent_id IS NULL
            WHERE pa.workflow_id = ANY(%s)""",
        [workflows.ids],
    )
    cr.execute(
        """INSERT INTO mailing_trace (trace_type, model, res_id, mass_mailing_id, email, trace_status, sent_datetime,
                                      open_datetime, links_click_datetime, marketing_workflow_trace_id,
                                      create_uid, create_date, write_uid, write_date)
           SELECT 'mail', 'res.partner', pa.res_id, s.mailing_id, 'x@example.com', st.status, t.date_processed,
                  CASE WHEN st.status IN ('open', 'reply') THEN t.date_processed END,
                  CASE WHEN st.status = 'open' AND pa.id %% 3 = 0 THEN t.date_processed END,
                  t.id, 1, now(), 1, now()
             FROM marketing_workflow_trace t
             JOIN marketing_workflow_participant pa ON pa.id = t.participant_id
             JOIN marketing_workflow_step s ON s.id = t.step_id
            CROSS JOIN LATERAL (SELECT (ARRAY['sent', 'sent', 'sent', 'sent', 'sent', 'open', 'open', 'open',
                                              'reply', 'bounce'])[1 + pa.id %% 10] AS status) st
            WHERE t.workflow_id = ANY(%s)""",
        [workflows.ids],
    )
    cr.execute(
        """INSERT INTO marketing_event (event_type, channel, partner_id, mailing_id, date, source_key, company_id,
                                        create_uid, create_date, write_uid, write_date)
           SELECT (ARRAY['email_open', 'email_click', 'email_reply'])[1 + p.id %% 3], 'email', p.id,
                  (%s::int[])[1 + p.id %% %s],
                  now() - (p.id %% 100) * interval '1 day' - (p.id %% 24) * interval '1 hour',
                  'benchdash:' || p.id, 1, 1, now(), 1, now()
             FROM res_partner p WHERE p.email LIKE 'bench-%%'""",
        [mailings.ids, len(mailings)],
    )
    cr.execute(
        """UPDATE crm_lead l SET date_closed = now() - (l.id %% 90) * interval '1 day'
             FROM crm_stage s
            WHERE s.id = l.stage_id AND s.is_won AND l.name LIKE %s AND l.date_closed IS NULL""",
        ["Bench lead %"],
    )
    cr.execute(
        """INSERT INTO marketing_score_history (partner_id, date, old_score, score, reason)
           SELECT p.id, now() - (g * 40 + p.id %% 40) * interval '1 day', (p.id * g) %% 70, (p.id * (g + 1)) %% 90,
                  'bench'
             FROM res_partner p CROSS JOIN generate_series(0, 1) g WHERE p.email LIKE %s""",
        ["bench-%"],
    )
    for table in (
        "marketing_workflow_participant",
        "marketing_workflow_trace",
        "mailing_trace",
        "marketing_event",
        "crm_lead",
        "marketing_score_history",
    ):
        cr.execute("ANALYZE %s" % table)  # noqa: S608 - table names above
    cr.commit()


def measure(env, function, runs=3):
    """(median seconds, queries of one run) of ``function`` on cold ORM caches."""
    times, queries = [], 0
    for _ in range(runs):
        env.invalidate_all()
        before = env.cr.sql_log_count
        seconds, _result = timed(function)
        queries = env.cr.sql_log_count - before
        times.append(seconds)
    return statistics.median(times), queries


def read_group_figures(env, workflow_ids):
    """The dashboard's figures that Odoo's _read_group can give, for the same 90 days."""
    today = fields.Date.context_today(env["marketing.dashboard"])
    start = fields.Datetime.to_datetime(today) - timedelta(days=90)
    Participant = env["marketing.workflow.participant"]
    period = [("workflow_id", "in", workflow_ids), ("is_test", "=", False), ("date_enrolled", ">=", start)]
    Participant._read_group(period, ["workflow_id", "date_enrolled:week"], ["__count"])
    Participant._read_group(period + [("state", "=", "converted")], ["workflow_id", "date_enrolled:week"], ["__count"])
    prefix = "trace_ids.mailing_trace_ids."
    for stage in (
        [(prefix + "trace_status", "not in", ["cancel", "error", "outgoing"])],
        [(prefix + "trace_status", "in", ["sent", "open", "reply"])],
        ["|", (prefix + "open_datetime", "!=", False), (prefix + "trace_status", "in", ["open", "reply"])],
        [(prefix + "links_click_datetime", "!=", False)],
        [(prefix + "trace_status", "=", "reply")],
    ):
        Participant._read_group(period + stage, ["workflow_id"], ["__count"])
    env["marketing.event"]._read_group(
        [("event_type", "in", ["email_open", "email_click", "email_reply", "sms_click"]), ("date", ">=", start)],
        ["date:day_of_week", "date:hour_number"],
        ["__count"],
    )
    env["marketing.segment.count"]._read_group(
        [("date", ">=", start)], ["segment_id", "date:day"], ["member_count:max"]
    )
    env["crm.lead"]._read_group(
        [("stage_id.is_won", "=", True), ("date_closed", ">=", start)], [], ["expected_revenue:sum", "__count"]
    )
    env["res.partner"]._read_group([], ["marketing_grade"], ["__count"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--contacts", type=int, default=100000)
    parser.add_argument("--events-per-contact", type=int, default=10)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "--no-http"])
    registry = Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tz": "UTC"})
        generate_contacts_and_leads(env, args.contacts)
        generate_events(env, args.events_per_contact)
        generate(env)
        cr.execute("SELECT count(*) FROM marketing_workflow_participant")
        participants = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM marketing_event")
        events = cr.fetchone()[0]
        workflows = env["marketing.workflow"].search([("name", "=like", PREFIX + "%")])
        Dashboard = env["marketing.dashboard"]
        Dashboard.get_dashboard_data({})  # warm the registry and caches as a running server has them
        read_group_figures(env, workflows.ids)
        dash_time, dash_queries = measure(env, lambda: Dashboard.get_dashboard_data({}))
        one_time, one_queries = measure(env, lambda: Dashboard.get_dashboard_data({"workflow_ids": workflows[:1].ids}))
        linear = Dashboard.get_dashboard_data({})
        odoo_time, odoo_queries = measure(env, lambda: read_group_figures(env, workflows.ids))
        log(
            "-- dashboard on %d participants, %d touchpoints (%d won leads in the period, %d journeys shown)"
            % (participants, events, linear["revenue"]["won_count"], len(linear["journeys"]))
        )
        log("| measure | queries | time | Odoo _read_group of the same figures | ratio |")
        log("|---|---|---|---|---|")
        log(
            "| get_dashboard_data, all journeys, 90 days | %d | %.2f s | %d queries, %.2f s | %.2f |"
            % (dash_queries, dash_time, odoo_queries, odoo_time, dash_time / odoo_time)
        )
        log("| get_dashboard_data, one journey | %d | %.2f s | | |" % (one_queries, one_time))
        log("   fixed number of queries whatever the rows: %s" % ("yes" if one_queries == dash_queries else "NO"))
        cr.rollback()


if __name__ == "__main__":
    main()
