"""The dashboard's figures against counts computed here, independently, on the same hand-built data.

Frozen on 2026-05-20 (second quarter), period April–May 2026, in UTC. Two journeys, A and B:

- A: five participants in the period (two converted), one before it (February, converted), one
  test run; its email reached four of them: opened + clicked, replied, bounced, delivered.
- B: three participants in the period, one converted.
- Won leads: L1 1000 (touched by A's email: click, B's email: open, A's email: open, then B's
  email after the win), L2 600 (B's email opened by the lead, A's second email clicked by its
  contact), L3 400 (no touch), L4 500 won in February (B's email), L5 lost (touched, not counted).
"""

from collections import Counter, defaultdict
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from ..lib.scoring import grade_for
from .workflow_common import WorkflowCommon

NOW = datetime(2026, 5, 20, 12, 0)
FILTERS = {"date_from": "2026-04-01", "date_to": "2026-05-31"}


def at(day, hour=10):
    return datetime(2026, *day, hour, 0)


@tagged("post_install", "-at_install", "marketing_automation")
class TestDashboard(WorkflowCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Dashboard = cls.env["marketing.dashboard"].with_context(tz="UTC")
        Partner = cls.env["res.partner"]
        cls.partners = Partner.create([{"name": "Dash %s" % n, "email": "dash%s@example.com" % n} for n in range(8)])
        cls.journey_a = cls.Workflow.create(
            {"name": "Dash A", "model_name": "res.partner", "trigger": "manual", "cost": 100.0}
        )
        cls.journey_b = cls.Workflow.create({"name": "Dash B", "model_name": "res.partner", "trigger": "manual"})
        cls.mailing_a = cls._mailing(cls.journey_a, "Dash A welcome")
        cls.mailing_a.marketing_cost = 50.0
        cls.mailing_a2 = cls._mailing(cls.journey_a, "Dash A reminder")
        cls.mailing_b = cls._mailing(cls.journey_b, "Dash B offer")
        cls.campaign = cls.env["utm.campaign"].create({"name": "Dash spring"})
        cls.mailing_b.campaign_id = cls.campaign
        step_a = cls.Step.create(
            {"name": "A mail", "workflow_id": cls.journey_a.id, "action_type": "email", "mailing_id": cls.mailing_a.id}
        )
        step_a2 = cls.Step.create(
            {
                "name": "A mail 2",
                "workflow_id": cls.journey_a.id,
                "parent_id": step_a.id,
                "action_type": "email",
                "mailing_id": cls.mailing_a2.id,
            }
        )
        cls.Workflow.browse([cls.journey_a.id, cls.journey_b.id]).write({"state": "running"})

        Participant = cls.env["marketing.workflow.participant"]

        def enrol(journey, partner, day, state="running", is_test=False):
            return Participant.create(
                {
                    "workflow_id": journey.id,
                    "res_model": "res.partner",
                    "res_id": partner.id,
                    "partner_id": partner.id,
                    "unique_key": "%s:%s:%s" % (journey.id, partner.id, is_test),
                    "state": state,
                    "is_test": is_test,
                    "date_enrolled": at(day),
                }
            )

        p = cls.partners
        cls.a_participants = [
            enrol(cls.journey_a, p[0], (4, 6), "converted"),
            enrol(cls.journey_a, p[1], (4, 8), "converted"),
            enrol(cls.journey_a, p[2], (4, 15)),
            enrol(cls.journey_a, p[3], (5, 2)),
            enrol(cls.journey_a, p[4], (5, 12)),
        ]
        enrol(cls.journey_a, p[5], (2, 10), "converted")
        enrol(cls.journey_a, p[6], (4, 20), is_test=True)
        enrol(cls.journey_b, p[5], (4, 9), "converted")
        enrol(cls.journey_b, p[6], (4, 22))
        enrol(cls.journey_b, p[7], (5, 3))

        Trace = cls.env["marketing.workflow.trace"]
        MailingTrace = cls.env["mailing.trace"]

        def message(participant, step, mailing, status, opened=False, clicked=False):
            trace = Trace.create(
                {
                    "participant_id": participant.id,
                    "workflow_id": participant.workflow_id.id,
                    "step_id": step.id,
                    "state": "processed",
                }
            )
            MailingTrace.create(
                {
                    "model": "res.partner",
                    "res_id": participant.res_id,
                    "mass_mailing_id": mailing.id,
                    "trace_type": "mail",
                    "email": "x@example.com",
                    "trace_status": status,
                    "open_datetime": at((4, 10)) if opened else False,
                    "links_click_datetime": at((4, 10)) if clicked else False,
                    "marketing_workflow_trace_id": trace.id,
                }
            )

        a = cls.a_participants
        message(a[0], step_a, cls.mailing_a, "open", opened=True, clicked=True)
        message(a[0], step_a2, cls.mailing_a2, "sent")
        message(a[1], step_a, cls.mailing_a, "reply")
        message(a[2], step_a, cls.mailing_a, "bounce")
        message(a[3], step_a, cls.mailing_a, "sent")

        # won leads and their touches
        Lead = cls.env["crm.lead"]
        won_stage = cls.stage_won

        def lead(name, partner, revenue, closed=None):
            record = Lead.create(
                {"name": name, "partner_id": partner.id, "expected_revenue": revenue, "type": "opportunity"}
            )
            if closed:
                record.write({"stage_id": won_stage.id})
                record.write({"date_closed": closed})
            return record

        cls.lead_1 = lead("Dash L1", p[0], 1000, at((4, 20)))
        cls.lead_2 = lead("Dash L2", p[1], 600, at((5, 5)))
        cls.lead_3 = lead("Dash L3", p[2], 400, at((5, 10)))
        cls.lead_4 = lead("Dash L4", p[3], 500, at((2, 15)))
        cls.lead_5 = lead("Dash L5", p[4], 9999)
        Event = cls.env["marketing.event"]

        def touch(event_type, mailing, day, hour, partner=None, lead=None):
            values = {"event_type": event_type, "mailing_id": mailing.id, "date": at(day, hour)}
            values.update(partner_id=partner.id if partner else None, lead_id=lead.id if lead else None)
            return values

        Event._record(
            [
                touch("email_click", cls.mailing_a, (4, 10), 9, partner=p[0]),
                touch("email_open", cls.mailing_b, (4, 12), 9, partner=p[0]),
                touch("email_open", cls.mailing_a, (4, 15), 14, partner=p[0]),
                touch("email_open", cls.mailing_b, (4, 25), 14, partner=p[0]),  # after the win
                touch("email_open", cls.mailing_b, (5, 1), 9, lead=cls.lead_2),
                touch("email_click", cls.mailing_a2, (5, 3), 9, partner=p[1]),
                touch("email_open", cls.mailing_b, (2, 10), 9, partner=p[3]),  # L4, February
                touch("email_click", cls.mailing_a, (5, 11), 16, partner=p[4]),  # L5, never won
            ],
            rescore=False,
        )
        # grades over time and segment growth
        History = cls.env["marketing.score.history"]
        History.create(
            [
                {"partner_id": p[0].id, "date": at((4, 1)), "old_score": 0, "score": 10, "reason": "dash"},
                {"partner_id": p[0].id, "date": at((4, 14)), "old_score": 10, "score": 60, "reason": "dash"},
                {"partner_id": p[1].id, "date": at((4, 8)), "old_score": 0, "score": 30, "reason": "dash"},
            ]
        )
        cls.segment = cls.env["marketing.segment"].create(
            {"name": "Dash segment", "model_name": "res.partner", "segment_type": "static"}
        )
        cls.env["marketing.segment.count"].create(
            [
                {"segment_id": cls.segment.id, "date": at((4, 5), 8), "member_count": 3},
                {"segment_id": cls.segment.id, "date": at((4, 5), 20), "member_count": 4},
                {"segment_id": cls.segment.id, "date": at((4, 20), 8), "member_count": 6},
                {"segment_id": cls.segment.id, "date": at((3, 20), 8), "member_count": 1},
            ]
        )

    def data(self, **filters):
        with freeze_time(NOW):
            return self.Dashboard.get_dashboard_data({**FILTERS, **filters})

    def open_count(self, figure, key=None, **filters):
        """How many records the figure's click-through lists."""
        with freeze_time(NOW):
            action = self.Dashboard.action_open_figure(figure, key or {}, {**FILTERS, **filters})
        return self.env[action["res_model"]].with_context(**action["context"]).search_count(action["domain"])

    def journey(self, data, workflow):
        return next(j for j in data["journeys"] if j["id"] == workflow.id)

    # ------------------------------------------------------------------

    def test_journeys_and_funnel(self):
        data = self.data(workflow_ids=[self.journey_a.id, self.journey_b.id])
        Participant = self.env["marketing.workflow.participant"]
        for workflow in (self.journey_a, self.journey_b):
            figure = self.journey(data, workflow)
            domain = [
                ("workflow_id", "=", workflow.id),
                ("is_test", "=", False),
                ("date_enrolled", ">=", "2026-04-01"),
                ("date_enrolled", "<", "2026-06-01"),
            ]
            participants = Participant.search(domain)
            converted = participants.filtered(lambda p: p.state == "converted")
            self.assertEqual(figure["participants"], len(participants))
            self.assertEqual(figure["converted"], len(converted))
            self.assertAlmostEqual(figure["conversion_rate"], round(100 * len(converted) / len(participants), 1))
            self.assertEqual(sum(figure["trend"]), len(participants))
            weeks = Counter(
                str(p.date_enrolled.date() - timedelta(days=p.date_enrolled.weekday())) for p in participants
            )
            self.assertEqual({w: c for w, c in zip(data["weeks"], figure["trend"], strict=True) if c}, dict(weeks))
            key = {"workflow_id": workflow.id}
            self.assertEqual(self.open_count("participants", key, workflow_ids=[workflow.id]), len(participants))
            self.assertEqual(self.open_count("converted", key), len(converted))
        self.assertEqual(self.journey(data, self.journey_a)["participants"], 5)  # the February and test ones left out
        self.assertEqual(data["kpis"]["participants"], 8)
        self.assertEqual(data["kpis"]["converted"], 3)
        self.assertEqual(data["kpis"]["active_journeys"], 2)

        # the funnel: one participant counts once per stage, whatever the number of messages
        statuses = defaultdict(list)
        for participant in self.a_participants:
            for mailing_trace in participant.trace_ids.mailing_trace_ids:
                statuses[participant.id].append(mailing_trace)
        expected = {
            "reached": len(self.a_participants),
            "sent": sum(
                any(t.trace_status not in ("cancel", "error", "outgoing") for t in ts) for ts in statuses.values()
            ),
            "delivered": sum(any(t.trace_status in ("sent", "open", "reply") for t in ts) for ts in statuses.values()),
            "opened": sum(
                any(t.open_datetime or t.trace_status in ("open", "reply") for t in ts) for ts in statuses.values()
            ),
            "clicked": sum(any(t.links_click_datetime for t in ts) for ts in statuses.values()),
            "replied": sum(any(t.trace_status == "reply" for t in ts) for ts in statuses.values()),
            "converted": sum(p.state == "converted" for p in self.a_participants),
        }
        self.assertEqual(
            expected, {"reached": 5, "sent": 4, "delivered": 3, "opened": 2, "clicked": 1, "replied": 1, "converted": 2}
        )
        funnel = data["funnels"][self.journey_a.id]
        self.assertEqual({row["stage"]: row["count"] for row in funnel}, expected)
        self.assertEqual([row["drop"] for row in funnel], [0.0, 20.0, 25.0, 33.3, 50.0, 0.0, 0.0])
        for stage, count in expected.items():
            self.assertEqual(
                self.open_count("funnel", {"workflow_id": self.journey_a.id, "stage": stage}), count, stage
            )

    def test_attributed_revenue_first_last_linear(self):
        workflows = [self.journey_a.id, self.journey_b.id]
        expected = {
            # mailing → revenue (hand-computed from the module docstring)
            "first_touch": {self.mailing_a: 1000.0, self.mailing_b: 600.0},
            "last_touch": {self.mailing_a: 1000.0, self.mailing_a2: 600.0},
            "linear": {self.mailing_a: 666.67, self.mailing_b: 633.33, self.mailing_a2: 300.0},
        }
        for model, shares in expected.items():
            data = self.data(attribution=model, workflow_ids=workflows)
            revenue = data["revenue"]
            self.assertEqual(revenue["won_count"], 3)
            self.assertEqual(revenue["won_revenue"], 2000.0)
            self.assertEqual(revenue["unattributed"], 400.0)
            self.assertEqual(
                {row["id"]: row["revenue"] for row in revenue["by_mailing"]},
                {mailing.id: amount for mailing, amount in shares.items()},
                model,
            )
            journey_a = sum(v for m, v in shares.items() if m.marketing_workflow_id == self.journey_a)
            journey_b = sum(v for m, v in shares.items() if m.marketing_workflow_id == self.journey_b)
            self.assertAlmostEqual(self.journey(data, self.journey_a)["revenue"], journey_a, places=2)
            self.assertAlmostEqual(self.journey(data, self.journey_b)["revenue"], journey_b, places=2)
            self.assertAlmostEqual(data["kpis"]["revenue"], journey_a + journey_b, places=2)
            campaign = {row["id"]: row["revenue"] for row in revenue["by_campaign"]}
            self.assertEqual(campaign.get(self.campaign.id, 0.0), shares.get(self.mailing_b, 0.0))
        # ROI: (revenue - cost) / cost, cost = the journey's own + its mailings'
        self.assertEqual(self.journey_a.cost_total, 150.0)
        data = self.data(attribution="linear", workflow_ids=workflows)
        self.assertEqual(self.journey(data, self.journey_a)["roi"], round(100 * (966.67 - 150) / 150, 1))
        self.assertIsNone(self.journey(data, self.journey_b)["roi"])  # no cost, no ROI
        self.assertEqual(data["kpis"]["cost"], 150.0)
        self.assertEqual(data["kpis"]["revenue"], 1600.0)
        self.assertEqual(data["kpis"]["roi"], round(100 * (1600 - 150) / 150, 1))
        # click-through: the won leads touched by each journey / mailing
        self.assertEqual(self.open_count("revenue", {"workflow_id": self.journey_a.id}), 2)  # L1, L2
        self.assertEqual(self.open_count("revenue", {"mailing_id": self.mailing_b.id}), 2)  # L1, L2
        self.assertEqual(self.open_count("revenue", {"campaign_id": self.campaign.id}), 2)

    def test_quarter_over_quarter(self):
        data = self.data(workflow_ids=[self.journey_a.id, self.journey_b.id], attribution="linear")
        previous, current = data["quarters"]
        self.assertEqual((previous["label"], current["label"]), ("2026 Q1", "2026 Q2"))
        Participant = self.env["marketing.workflow.participant"]
        for quarter, (start, end) in (
            (previous, ("2026-01-01", "2026-04-01")),
            (current, ("2026-04-01", "2026-07-01")),
        ):
            domain = [
                ("workflow_id", "in", [self.journey_a.id, self.journey_b.id]),
                ("is_test", "=", False),
                ("date_enrolled", ">=", start),
                ("date_enrolled", "<", end),
            ]
            self.assertEqual(quarter["participants"], Participant.search_count(domain))
            self.assertEqual(quarter["converted"], Participant.search_count(domain + [("state", "=", "converted")]))
        self.assertEqual(previous["revenue"], 500.0)  # L4, all to B's email
        self.assertEqual(current["revenue"], 1600.0)
        self.assertEqual(current["roi"], round(100 * (1600 - 150) / 150, 1))

    def test_grades_segments_heatmap(self):
        data = self.data()
        warm, hot = self.env["marketing.score.rule"]._thresholds()
        # grades: each contact's last score change before the end of each week, graded here in Python
        history = self.env["marketing.score.history"].search([("partner_id", "!=", False)], order="date, id")
        for index, week in enumerate(data["weeks"]):
            week_end = min(datetime.fromisoformat(week) + timedelta(days=7), datetime(2026, 6, 1))
            last = {}
            for row in history:
                if row.date < week_end:
                    last[row.partner_id.id] = row.score
            counts = Counter(grade_for(score, warm, hot) for score in last.values())
            for grade in ("hot", "warm", "cold"):
                self.assertEqual(data["grades"][grade][index], counts.get(grade, 0), (week, grade))
                if counts.get(grade):
                    self.assertEqual(self.open_count("grade", {"grade": grade, "week": week}), counts[grade])
        # segment growth: the last count of each day in the period
        segment = next(s for s in data["segments"] if s["id"] == self.segment.id)
        self.assertEqual(segment["points"], [["2026-04-05", 4], ["2026-04-20", 6]])
        # heatmap: engagement touchpoints of the period by weekday and hour (UTC here)
        events = self.env["marketing.event"].search(
            [
                ("event_type", "in", ["email_open", "email_click", "email_reply", "sms_click"]),
                ("date", ">=", "2026-04-01"),
                ("date", "<", "2026-06-01"),
            ]
        )
        cells = Counter((event.date.weekday(), event.date.hour) for event in events)
        grid = data["heatmap"]
        self.assertEqual({(d, h): grid[d][h] for d in range(7) for h in range(24) if grid[d][h]}, dict(cells))
        # 2026-04-10 and 2026-05-01 are Fridays, 9:00: two clicks or opens there
        self.assertGreaterEqual(grid[4][9], 2)
        self.assertEqual(self.open_count("heatmap", {"day": 4, "hour": 9}), grid[4][9])

    def test_filters_segment_and_salesperson(self):
        member_partners = self.partners[:2]
        self.env["marketing.segment.member"].create(
            [{"segment_id": self.segment.id, "partner_id": partner.id} for partner in member_partners]
        )
        data = self.data(segment_id=self.segment.id, workflow_ids=[self.journey_a.id])
        self.assertEqual(self.journey(data, self.journey_a)["participants"], 2)
        self.assertEqual(
            self.open_count("participants", {}, segment_id=self.segment.id, workflow_ids=[self.journey_a.id]), 2
        )
        self.partners[2:4].user_id = self.user_salesman
        data = self.data(user_id=self.user_salesman.id, workflow_ids=[self.journey_a.id])
        self.assertEqual(self.journey(data, self.journey_a)["participants"], 2)
        self.assertEqual(
            self.open_count("participants", {}, user_id=self.user_salesman.id, workflow_ids=[self.journey_a.id]), 2
        )
        # the salesperson of a won lead decides whose revenue it is
        self.lead_1.user_id = self.user_salesman
        self.lead_2.user_id = self.user_ma_manager
        self.lead_3.user_id = self.user_ma_manager
        revenue = self.data(user_id=self.user_salesman.id)["revenue"]
        self.assertEqual((revenue["won_count"], revenue["won_revenue"]), (1, 1000.0))

    def test_fixed_number_of_queries(self):
        """More participants, messages, won leads and touchpoints: the same number of queries."""

        def count_queries():
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.data()
            return self.env.cr.sql_log_count - before

        self.data()  # warm the caches (fields, access rules)
        first = count_queries()
        extra = self.env["res.partner"].create([{"name": "More %s" % n} for n in range(30)])
        Participant = self.env["marketing.workflow.participant"]
        Participant.create(
            [
                {
                    "workflow_id": self.journey_b.id,
                    "res_model": "res.partner",
                    "res_id": partner.id,
                    "partner_id": partner.id,
                    "unique_key": "more:%s" % partner.id,
                    "date_enrolled": at((4, 28)),
                }
                for partner in extra
            ]
        )
        self.env["marketing.event"]._record(
            [
                {
                    "event_type": "email_open",
                    "partner_id": partner.id,
                    "mailing_id": self.mailing_b.id,
                    "date": at((4, 27), h),
                }
                for partner in extra
                for h in (8, 12)
            ],
            rescore=False,
        )
        for n, partner in enumerate(extra[:10]):
            lead = self.env["crm.lead"].create(
                {"name": "More %s" % n, "partner_id": partner.id, "expected_revenue": 10}
            )
            lead.write({"stage_id": self.stage_won.id})
            lead.write({"date_closed": at((4, 29))})
        self.env["marketing.workflow"].create({"name": "Dash C", "model_name": "res.partner", "trigger": "manual"})
        self.assertEqual(count_queries(), first)
        self.assertLessEqual(first, 20)

    def test_bad_filters(self):
        with self.assertRaises(UserError):
            self.Dashboard.get_dashboard_data({"date_from": "2026-05-01", "date_to": "2026-04-01"})
        with self.assertRaises(UserError):
            self.Dashboard.get_dashboard_data({"date_from": "not a date"})
        with self.assertRaises(UserError):
            self.Dashboard.get_dashboard_data({"attribution": "u_shaped"})
        with self.assertRaises(UserError):
            self.Dashboard.get_dashboard_data({"workflow_ids": ["1; DROP TABLE"]})
        with self.assertRaises(UserError):
            self.Dashboard.action_open_figure("heatmap", {"day": 9, "hour": 1}, {})
        with self.assertRaises(UserError):
            self.Dashboard.action_open_figure("funnel", {"stage": "teleported"}, {})

    def test_pivot_rates(self):
        """The analysis views average 0/100 flags: the pivot shows rates, equal to the ones counted here."""
        mailing_traces = self.env["mailing.trace"].search(
            [("marketing_workflow_trace_id.workflow_id", "=", self.journey_a.id)]
        )
        self.assertEqual(len(mailing_traces), 5)
        opened = mailing_traces.filtered(lambda t: t.open_datetime or t.trace_status in ("open", "reply"))
        clicked = mailing_traces.filtered("links_click_datetime")
        bounced = mailing_traces.filtered(lambda t: t.trace_status == "bounce")
        [(sent, open_rate, click_rate, bounce_rate)] = self.env["marketing.trace.report"]._read_group(
            [("workflow_id", "=", self.journey_a.id)],
            [],
            ["sent_count:sum", "open_rate:avg", "click_rate:avg", "bounce_rate:avg"],
        )
        self.assertEqual(sent, 5)
        self.assertAlmostEqual(open_rate, 100.0 * len(opened) / 5)  # 40%: steps without a message not counted
        self.assertAlmostEqual(click_rate, 100.0 * len(clicked) / 5)
        self.assertAlmostEqual(bounce_rate, 100.0 * len(bounced) / 5)

        participants = self.env["marketing.workflow.participant"].search(
            [("workflow_id", "=", self.journey_a.id), ("is_test", "=", False)]
        )
        opened_participants = participants.filtered(
            lambda p: any(t.open_datetime or t.trace_status in ("open", "reply") for t in p.trace_ids.mailing_trace_ids)
        )
        [(count, open_rate, conversion_rate)] = self.env["marketing.participant.report"]._read_group(
            [("workflow_id", "=", self.journey_a.id), ("is_test", "=", False)],
            [],
            ["__count", "open_rate:avg", "conversion_rate:avg"],
        )
        self.assertEqual(count, len(participants))
        self.assertAlmostEqual(open_rate, 100.0 * len(opened_participants) / len(participants))
        converted = participants.filtered(lambda p: p.state == "converted")
        self.assertAlmostEqual(conversion_rate, 100.0 * len(converted) / len(participants))

    def test_digest_kpis(self):
        """The digest's marketing KPIs for April–May: leads turned hot, conversions, attributed revenue."""
        warm, hot = self.env["marketing.score.rule"]._thresholds()
        History = self.env["marketing.score.history"]
        History.create(
            [
                {"lead_id": self.lead_1.id, "date": at((4, 15)), "old_score": hot - 1, "score": hot + 5, "reason": "d"},
                {"lead_id": self.lead_2.id, "date": at((4, 16)), "old_score": hot + 1, "score": hot + 9, "reason": "d"},
                {"lead_id": self.lead_3.id, "date": at((4, 17)), "old_score": 0, "score": hot, "reason": "d"},
                {"lead_id": self.lead_3.id, "date": at((4, 18)), "old_score": hot, "score": 0, "reason": "d"},
                {"lead_id": self.lead_3.id, "date": at((4, 19)), "old_score": 0, "score": hot + 1, "reason": "d"},
                {"lead_id": self.lead_4.id, "date": at((3, 19)), "old_score": 0, "score": hot + 1, "reason": "d"},
            ]
        )
        participants = self.env["marketing.workflow.participant"].search(
            [("workflow_id", "in", [self.journey_a.id, self.journey_b.id])]
        )
        converted = participants.filtered(lambda p: p.state == "converted")
        converted.write({"date_done": at((4, 30))})
        converted[:1].write({"date_done": at((3, 30))})  # before the period
        digest = self.env["digest.digest"].create(
            {
                "name": "Dash digest",
                "kpi_marketing_hot_leads": True,
                "kpi_marketing_conversions": True,
                "kpi_marketing_revenue": True,
            }
        )
        expected_conversions = self.env["marketing.workflow.participant"].search_count(
            [
                ("state", "=", "converted"),
                ("is_test", "=", False),
                ("date_done", ">=", "2026-04-01"),
                ("date_done", "<", "2026-06-01"),
            ]
        )
        self.assertGreaterEqual(expected_conversions, len(converted) - 1)
        with freeze_time(NOW):
            digest = digest.with_context(start_datetime=datetime(2026, 4, 1), end_datetime=datetime(2026, 6, 1))
            self.assertEqual(digest.kpi_marketing_hot_leads_value, 2)  # L1 and L3 (once); L2 was hot already
            self.assertEqual(digest.kpi_marketing_conversions_value, expected_conversions)
            revenue = self.Dashboard.get_dashboard_data({**FILTERS, "attribution": "linear"})["kpis"]["revenue"]
            self.assertAlmostEqual(digest.kpi_marketing_revenue_value, revenue, places=2)
        self.assertGreaterEqual(revenue, 1600.0)  # A's and B's shares at least

    def test_digest_email_kpis(self):
        """The digest e-mail's table: the three marketing KPIs for a marketing manager who sees the CRM, the
        conversions only for a marketer without access to leads, none for a salesman."""
        digest = self.env["digest.digest"].create(
            {
                "name": "Dash digest mail",
                "kpi_marketing_hot_leads": True,
                "kpi_marketing_conversions": True,
                "kpi_marketing_revenue": True,
                "kpi_res_users_connected": False,
                "kpi_mail_message_total": False,
            }
        )
        names = {kpi["kpi_name"] for kpi in digest._compute_kpis(self.env.company, self.user_ma_manager)}
        self.assertEqual(names, {"kpi_marketing_hot_leads", "kpi_marketing_conversions", "kpi_marketing_revenue"})
        names = {kpi["kpi_name"] for kpi in digest._compute_kpis(self.env.company, self.user_ma_user)}
        self.assertEqual(names, {"kpi_marketing_conversions"})
        names = {kpi["kpi_name"] for kpi in digest._compute_kpis(self.env.company, self.user_salesman)}
        self.assertFalse(names & {"kpi_marketing_hot_leads", "kpi_marketing_conversions", "kpi_marketing_revenue"})
