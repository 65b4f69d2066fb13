from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import MarketingCommon


@tagged("post_install", "-at_install", "marketing_automation")
class TestAccessRights(MarketingCommon):
    def setUp(self):
        super().setUp()
        self.lead_anna.user_id = self.user_salesman
        self.record(self.partner_anna, "email_click", url="https://example.com/pricing")

    def test_salesman_sees_scores_but_cannot_edit_rules(self):
        lead = self.lead_anna.with_user(self.user_salesman)
        self.assertEqual(lead.marketing_score, 12 + 10)
        self.assertIn("Clicked", lead.marketing_score_breakdown)
        self.assertTrue(lead.marketing_score_history_ids)
        partner = self.partner_anna.with_user(self.user_salesman)
        self.assertEqual(partner.marketing_score, 17)
        # what the smart button counts is what the salesman can open: her click, her lead's creation...
        visible = self.env["marketing.event"].with_user(self.user_salesman).search([("partner_id", "=", partner.id)])
        self.assertEqual(partner.marketing_event_count, len(visible))
        self.assertEqual(
            set(visible.mapped("event_type")) & {"email_click", "lead_created"}, {"email_click", "lead_created"}
        )
        self.assertEqual(
            lead.marketing_segment_ids,
            self.env.ref("marketing_automation_ext.segment_leads_warm").with_user(lead.env.user),
        )
        rule = self.rule_open.with_user(self.user_salesman)
        self.assertEqual(rule.points, 5, "rules are readable, so the breakdown makes sense")
        with self.assertRaises(AccessError):
            rule.write({"points": 50})
        with self.assertRaises(AccessError):
            self.env["marketing.score.rule"].with_user(self.user_salesman).create(
                {"name": "Mine", "event_type": "email_open", "points": 50}
            )
        with self.assertRaises(AccessError):
            rule.unlink()

    def test_marketing_user_cannot_edit_rules(self):
        with self.assertRaises(AccessError):
            self.rule_open.with_user(self.user_ma_user).write({"points": 50})

    def test_manager_edits_rules_and_rescores(self):
        self.rule_click.with_user(self.user_ma_manager).write({"points": 30})
        self.env["marketing.score.rule"].with_user(self.user_ma_manager).action_rescore_all()
        self.assertEqual(self.partner_anna.marketing_score, 37)

    def test_score_fields_are_not_writable_by_hand(self):
        lead = self.lead_anna.with_user(self.user_salesman)
        self.assertTrue(lead._fields["marketing_score"].readonly)
        # a salesman cannot reach the log through the menu root group
        menu = self.env.ref("marketing_automation_ext.marketing_automation_menu_root")
        visible = self.env["ir.ui.menu"].with_user(self.user_salesman)._visible_menu_ids()
        self.assertNotIn(menu.id, visible)
        visible = self.env["ir.ui.menu"].with_user(self.user_ma_user)._visible_menu_ids()
        self.assertIn(menu.id, visible)

    def test_other_company_events_hidden(self):
        event_id = (
            self.env["marketing.event"]
            .with_company(self.company_2)
            .record_event("email_open", partner_id=self.partner_bob.id)
        )
        user = self.user_ma_user
        self.assertFalse(self.env["marketing.event"].with_user(user).search([("id", "=", event_id)]))
