from odoo.tests import new_test_user, tagged

from .common import WebsiteMarketingCase


@tagged("post_install", "-at_install")
class TestSegmentContent(WebsiteMarketingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = new_test_user(cls.env, login="seg_customer", groups="base.group_portal", email="c@example.com")
        cls.outsider = new_test_user(cls.env, login="seg_outsider", groups="base.group_portal", email="o@example.com")
        cls.segment = cls.env["marketing.segment"].create(
            {"name": "Customers", "domain": "[('email', '=', 'c@example.com')]"}
        )
        cls.segment._refresh()
        block = cls.env["ir.qweb"]._render(
            "marketing_automation_ext_website.segment_content",
            {"segment": cls.segment, "fallback": "Discover our offer", 0: "Welcome back, customer"},
        )
        cls.env["website.page"].create(
            {
                "name": "Offer",
                "url": "/offer",
                "type": "qweb",
                "website_id": cls.website.id,
                "is_published": True,
                "arch": '<t t-name="offer"><t t-call="website.layout"><div id="wrap"><section class="container">'
                "%s</section></div></t></t>" % block,
            }
        )

    def test_page_is_the_same_for_everyone(self):
        self.assertIn(self.customer.partner_id, self.segment.member_ids.partner_id)
        anonymous = self.visit("/offer").text
        self.authenticate("seg_customer", "seg_customer")
        member = self.visit("/offer").text
        for html in (anonymous, member):
            self.assertIn('data-segment-id="%s"' % self.segment.id, html)
            self.assertIn("Welcome back, customer", html)
            self.assertIn("Discover our offer", html)

    def test_match_route(self):
        payload = {"segment_ids": [self.segment.id], "grade": False}
        self.assertEqual(
            self.make_jsonrpc_request("/marketing/segment/match", payload), {"segment_ids": [], "grade_match": False}
        )
        self.authenticate("seg_customer", "seg_customer")
        self.visit("/offer")
        self.assertEqual(
            self.make_jsonrpc_request("/marketing/segment/match", payload)["segment_ids"], [self.segment.id]
        )
        self.authenticate("seg_outsider", "seg_outsider")
        self.visit("/offer")
        self.assertEqual(self.make_jsonrpc_request("/marketing/segment/match", payload)["segment_ids"], [])
        # junk is ignored, never an error
        for junk in ({"segment_ids": "1;drop"}, {"segment_ids": [True, "x", None]}, {"grade": "platinum"}):
            self.assertEqual(
                self.make_jsonrpc_request("/marketing/segment/match", junk), {"segment_ids": [], "grade_match": False}
            )

    def test_member_sees_block_in_browser(self):
        self.start_tour("/offer", "marketing_segment_content_member_tour", login="seg_customer")

    def test_others_see_fallback_in_browser(self):
        self.start_tour("/offer", "marketing_segment_content_other_tour", login="seg_outsider")
        self.start_tour("/offer", "marketing_segment_content_other_tour")
