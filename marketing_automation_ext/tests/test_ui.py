from odoo.tests import HttpCase, tagged

from .common import MarketingCommon


@tagged("post_install", "-at_install", "marketing_automation")
class TestMarketingUi(MarketingCommon, HttpCase):
    def test_app_menu_tour(self):
        """A marketing manager opens the app from the home menu and reaches the rules."""
        self.record(self.partner_anna, "email_open", url=None)
        self.start_tour("/odoo", "marketing_automation_ext_menu_tour", login="ma_manager")

    def test_pipeline_badge_tour(self):
        """A salesman sees the score and grade on the pipeline card and its reasons on the lead."""
        self.lead_anna.user_id = self.user_salesman
        self.record(self.partner_anna, "email_reply")  # lead: 12 + 20 = 32, warm
        self.assertEqual(self.lead_anna.marketing_score, 32)
        self.start_tour("/odoo/crm", "marketing_automation_ext_pipeline_tour", login="ma_salesman")

    def test_segment_tour(self):
        """A marketer builds a segment and sees its count before saving."""
        # exactly one hot contact in the whole base for this test
        self.env["res.partner"].search([("marketing_grade", "=", "hot")]).write({"marketing_grade": "cold"})
        self.record(self.partner_anna, "email_reply")
        self.record(self.partner_anna, "email_click")
        self.record(self.partner_anna, "email_reply", source_key="tour-reply-2")
        self.assertEqual(self.partner_anna.marketing_grade, "hot")
        self.start_tour("/odoo", "marketing_automation_ext_segment_tour", login="ma_user")
        segment = self.env["marketing.segment"].search([("name", "=", "Hot buyers")])
        self.assertEqual(segment.grade_filter, "hot")
        segment._refresh()
        self.assertEqual(segment.member_count, 1)
