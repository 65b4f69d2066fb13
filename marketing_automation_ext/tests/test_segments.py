from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import MarketingCommon


@tagged("post_install", "-at_install", "marketing_automation")
class TestSegments(MarketingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.partner_cara = Partner.create({"name": "Cara Clicker", "email": "cara@example.com"})
        cls.partner_dan = Partner.create({"name": "Dan Dormant", "email": "dan@example.com"})
        cls.people = cls.partner_anna | cls.partner_bob | cls.partner_cara | cls.partner_dan
        cls.Segment = cls.env["marketing.segment"]

    def segment(self, **values):
        values.setdefault("name", "Test segment")
        values.setdefault("domain", repr([("id", "in", self.people.ids)]))
        return self.Segment.create(values)

    def members(self, segment):
        return self.env["res.partner"].search([("marketing_segment_ids", "in", segment.ids)])

    def test_grade_and_score_range(self):
        warm_or_hot = self.segment(name="Warm or hot", grade_filter="warm_hot")
        ranged = self.segment(name="Score 5 to 10", filter_score=True, score_min=5, score_max=10)
        self.record(self.partner_anna, "email_reply")  # 7 + 20 = 27: warm
        self.record(self.partner_bob, "email_open")  # 5
        (warm_or_hot | ranged)._refresh()
        self.assertEqual(self.members(warm_or_hot), self.partner_anna)
        self.assertEqual(self.members(ranged), self.partner_bob)
        self.assertEqual(warm_or_hot.member_count, 1)

    def test_a_contacts_segments_follow_a_refresh_in_the_same_transaction(self):
        """Memberships are written in SQL: a contact's segments, read before a refresh (its form is
        open), show the refresh's entries and exits afterwards."""
        ranged = self.segment(name="Score 5 to 10", filter_score=True, score_min=5, score_max=10)
        ranged._refresh()
        self.assertNotIn(ranged, self.partner_bob.marketing_segment_ids)
        self.record(self.partner_bob, "email_open")  # 5: enters (the event's own refresh)
        self.assertIn(ranged, self.partner_bob.marketing_segment_ids)
        self.env.cr.execute("UPDATE res_partner SET marketing_score = 40 WHERE id = %s", [self.partner_bob.id])
        self.partner_bob.invalidate_recordset(["marketing_score"])
        ranged._refresh()  # the full refresh: 40 is out of range
        self.assertNotIn(ranged, self.partner_bob.marketing_segment_ids)

    def test_engagement_conditions(self):
        clicked = self.segment(
            name="Clicked in 30 days", condition_ids=[(0, 0, {"event_type": "email_click", "days": 30})]
        )
        pricing_twice = self.segment(
            name="Pricing twice this week",
            condition_ids=[(0, 0, {"event_type": "page_view", "url_pattern": "*/pricing*", "min_count": 2, "days": 7})],
        )
        dormant = self.segment(
            name="Nothing in 60 days", condition_ids=[(0, 0, {"kind": "did_not", "event_type": False, "days": 60})]
        )
        now = fields.Datetime.now()
        self.record(self.partner_cara, "email_click", url="https://example.com/a")
        self.record(self.partner_bob, "email_click", date=now - timedelta(days=45))
        self.record(self.partner_anna, "page_view", url="https://example.com/pricing")
        self.record(self.partner_anna, "page_view", url="https://example.com/pricing/pro")
        self.record(self.partner_bob, "page_view", url="https://example.com/pricing")
        self.record(self.partner_bob, "page_view", url="https://example.com/blog")
        (clicked | pricing_twice | dormant)._refresh()
        self.assertEqual(self.members(clicked), self.partner_cara)
        self.assertEqual(self.members(pricing_twice), self.partner_anna)
        # Anna has a lead event (lead created); Dan did nothing at all
        self.assertEqual(self.members(dormant), self.partner_dan)

    def test_marketer_example_preview_mail_and_leave(self):
        """Warm or hot contacts who clicked in the last 30 days but are not customers."""
        customers = self.segment(name="Customers", segment_type="static", domain="[]")
        customers._add_members(self.partner_cara)
        form = Form(self.Segment.with_user(self.user_ma_user))
        form.name = "Engaged prospects"
        form.domain = repr([("id", "in", self.people.ids)])
        form.grade_filter = "warm_hot"
        with form.condition_ids.new() as condition:
            condition.event_type = "email_click"
            condition.days = 30
        form.exclude_segment_ids.add(customers)
        self.assertEqual(form.preview_count, 0)
        for partner in (self.partner_anna, self.partner_cara):
            self.record(partner, "email_click")
            self.record(partner, "email_click", source_key="second-%s" % partner.id)
        form.domain = repr([("id", "in", self.people.ids)])  # any edit recomputes the live count
        self.assertEqual(form.preview_count, 1, "Anna: warm and clicked; Cara is a customer")
        segment = form.save()
        segment._refresh()
        self.assertEqual(self.members(segment), self.partner_anna)
        self.assertFalse(
            self.env["marketing.event"].search([("segment_id", "=", segment.id)]),
            "the first refresh defines the segment: nobody 'entered' it",
        )
        # Bob becomes warm through clicks: the event that does it adds him, and logs his entry
        self.record(self.partner_bob, "email_click")
        self.record(self.partner_bob, "email_click", source_key="bob-second")
        self.assertEqual(self.members(segment), self.partner_anna | self.partner_bob)
        self.assertEqual(segment.member_count, 2)
        entered = self.env["marketing.event"].search([("segment_id", "=", segment.id)])
        self.assertEqual((entered.event_type, entered.partner_id), ("segment_enter", self.partner_bob))

        # mail it with Odoo's mass mailing: the audience is resolved at send time
        action = segment.action_send_mailing()
        mailing = self.env["mailing.mailing"].browse(action["res_id"])
        mailing.body_html = "<p>Hello</p>"
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
        self.assertEqual(
            sorted(mailing.mailing_trace_ids.mapped("res_id")), sorted((self.partner_anna | self.partner_bob).ids)
        )

        # a bounce drops her below warm: the next event refreshes the segment incrementally
        self.record(self.partner_anna, "email_bounce")
        self.record(self.partner_anna, "email_bounce", source_key="bounce-2")
        self.assertEqual(self.partner_anna.marketing_grade, "cold")
        self.assertEqual(self.members(segment), self.partner_bob)
        stay = self.env["marketing.segment.member"].search(
            [("segment_id", "=", segment.id), ("partner_id", "=", self.partner_anna.id)]
        )
        self.assertTrue(stay.date_exited)
        self.assertEqual(segment.member_count, 1)
        left = self.env["marketing.event"].search(
            [("segment_id", "=", segment.id), ("event_type", "=", "segment_exit")]
        )
        self.assertEqual(left.partner_id, self.partner_anna)

    def test_include_exclude_and_cycles(self):
        clicked = self.segment(name="Clicked", condition_ids=[(0, 0, {"event_type": "email_click", "days": 0})])
        opened = self.segment(name="Opened", condition_ids=[(0, 0, {"event_type": "email_open", "days": 0})])
        both = self.segment(name="Clicked and opened", include_segment_ids=[(6, 0, [clicked.id, opened.id])])
        clicked_only = self.segment(
            name="Clicked, not opened",
            include_segment_ids=[(6, 0, clicked.ids)],
            exclude_segment_ids=[(6, 0, opened.ids)],
        )
        self.record(self.partner_anna, "email_click")
        self.record(self.partner_anna, "email_open")
        self.record(self.partner_bob, "email_click")
        (both | clicked_only | clicked | opened)._refresh()  # refreshed in dependency order
        self.assertEqual(self.members(both), self.partner_anna)
        self.assertEqual(self.members(clicked_only), self.partner_bob)
        with self.assertRaisesRegex(ValidationError, "loop"), self.env.cr.savepoint():
            clicked.write({"include_segment_ids": [(6, 0, both.ids)]})
        lead_segment = self.Segment.create({"name": "Leads", "model_name": "crm.lead"})
        with self.assertRaisesRegex(ValidationError, "same records"), self.env.cr.savepoint():
            both.write({"exclude_segment_ids": [(4, lead_segment.id)]})

    def test_incremental_equals_full(self):
        segment = self.segment(
            name="Warm", grade_filter="warm_hot", condition_ids=[(0, 0, {"event_type": "email_reply", "days": 30})]
        )
        segment._refresh()
        for partner in (self.partner_anna, self.partner_bob, self.partner_cara):
            self.record(partner, "email_reply")  # each event refreshes its contact only
        incremental = self.members(segment)
        self.env.cr.execute("DELETE FROM marketing_segment_member WHERE segment_id = %s", [segment.id])
        self.env["marketing.segment.member"].invalidate_model()
        segment._refresh()
        self.assertEqual(self.members(segment), incremental)
        self.assertEqual(incremental, self.partner_anna | self.partner_bob | self.partner_cara)

    def test_bad_input(self):
        with self.assertRaisesRegex(ValidationError, "not a valid domain"):
            self.segment(domain="[('name', '=' ")
        with self.assertRaisesRegex(ValidationError, "does not apply"):
            self.segment(domain="[('no_such_field', '=', 1)]")
        with self.assertRaisesRegex(ValidationError, "number of days"):
            self.segment(condition_ids=[(0, 0, {"event_type": "email_open", "days": -5})])
        with self.assertRaisesRegex(ValidationError, "At least"):
            self.segment(condition_ids=[(0, 0, {"event_type": "email_open", "min_count": 0})])
        with self.assertRaisesRegex(ValidationError, "score range is empty"):
            self.segment(filter_score=True, score_min=50, score_max=10)
        # a refresh that fails leaves the members as they were
        segment = self.segment(name="Everyone")
        segment._refresh()
        self.assertEqual(self.members(segment), self.people)
        self.env.cr.execute(
            "UPDATE marketing_segment SET domain = %s WHERE id = %s", ["[('no_such_field', '=', 1)]", segment.id]
        )
        segment.invalidate_recordset(["domain"])
        with self.assertRaisesRegex(UserError, "unchanged"):
            segment._refresh()
        self.assertEqual(self.members(segment), self.people)

    def test_static_segment_and_access(self):
        static = self.segment(name="Trade show", segment_type="static", domain="[]")
        wizard = (
            self.env["marketing.segment.add"]
            .with_user(self.user_ma_user)
            .with_context(active_model="res.partner", active_ids=(self.partner_bob | self.partner_dan).ids)
            .create({"segment_id": static.id})
        )
        wizard.action_apply()
        self.assertEqual(self.members(static), self.partner_bob | self.partner_dan)
        self.assertEqual(static.member_count, 2)
        with self.assertRaisesRegex(UserError, "dynamic"):
            self.segment(name="Dyn")._add_members(self.partner_bob)
        # CRM users filter by segment; only marketing users build segments
        found = (
            self.env["res.partner"].with_user(self.user_salesman).search([("marketing_segment_ids", "=", static.id)])
        )
        self.assertEqual(found, self.partner_bob | self.partner_dan)
        with self.assertRaises(AccessError):
            self.Segment.with_user(self.user_salesman).create({"name": "Mine"})
        self.assertTrue(self.Segment.with_user(self.user_ma_user).create({"name": "Marketer's"}))

    def test_grade_segments_ship_with_the_addon(self):
        hot = self.env.ref("marketing_automation_ext.segment_contacts_hot")
        self.assertEqual((hot.grade_filter, hot.segment_type, hot.model_name), ("hot", "dynamic", "res.partner"))
        self.assertTrue(self.env.ref("marketing_automation_ext.segment_leads_warm").active)

    def test_import_members_into_static_segment(self):
        static = self.segment(name="Imported", segment_type="static", domain="[]")
        self.assertNotIn(static, self.partner_bob.marketing_segment_ids)  # read before: must show the import below
        result = self.env["marketing.segment.member"].load(
            ["segment_id/.id", "partner_id/.id"],
            [[str(static.id), str(self.partner_bob.id)], [str(static.id), str(self.partner_dan.id)]],
        )
        self.assertFalse(result["messages"], result["messages"])
        self.assertEqual(self.members(static), self.partner_bob | self.partner_dan)
        self.assertEqual(static.member_count, 2)
        self.assertIn(static, self.partner_bob.marketing_segment_ids)
        dynamic = self.segment(name="Rules only")
        result = self.env["marketing.segment.member"].load(
            ["segment_id/.id", "partner_id/.id"], [[str(dynamic.id), str(self.partner_bob.id)]]
        )
        self.assertIn("follow its rules", result["messages"][0]["message"])

    def test_journey_conditions_and_segment_as_journey_audience(self):
        """The marketer's segment feeds a journey (entry = enrolment), and journey states feed segments."""
        prospects = self.segment(name="Clicked prospects")
        prospects.condition_ids = [(0, 0, {"event_type": "email_click", "days": 30})]
        prospects._refresh()
        journey = self.env["marketing.workflow"].create(
            {"name": "Nurture", "trigger": "audience", "segment_id": prospects.id, "quiet_hours": False}
        )
        first = self.env["marketing.workflow.step"].create(
            {"name": "Task", "workflow_id": journey.id, "action_type": "activity"}
        )
        self.env["marketing.workflow.step"].create(
            {
                "name": "Later",
                "workflow_id": journey.id,
                "parent_id": first.id,
                "action_type": "wait",
                "wait_amount": 5,
                "wait_unit": "days",
            }
        )
        journey.action_start()
        self.assertEqual(journey.participant_count, 0)
        self.record(self.partner_cara, "email_click")  # enters the segment incrementally…
        self.assertIn(self.partner_cara, self.members(prospects))
        self.env["marketing.workflow"]._run_now()  # …and so the journey
        self.assertEqual(journey.participant_ids.mapped("res_id"), [self.partner_cara.id])

        in_journey = self.segment(name="In nurture")
        in_journey.condition_ids = [(0, 0, {"kind": "in_workflow", "workflow_id": journey.id})]
        done = self.segment(name="Nurtured")
        done.condition_ids = [(0, 0, {"kind": "completed_workflow", "workflow_id": journey.id})]
        left = self.segment(name="Left nurture")
        left.condition_ids = [(0, 0, {"kind": "exited_workflow", "workflow_id": journey.id})]
        (in_journey | done | left)._refresh()
        self.assertEqual(self.members(in_journey), self.partner_cara)
        self.assertFalse(self.members(done))
        journey.participant_ids.action_exit()
        (in_journey | done | left)._refresh()
        self.assertFalse(self.members(in_journey))
        self.assertEqual(self.members(left), self.partner_cara)
        with self.assertRaises(ValidationError):
            self.segment(name="No journey", condition_ids=[(0, 0, {"kind": "in_workflow"})])
