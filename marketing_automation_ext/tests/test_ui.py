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
