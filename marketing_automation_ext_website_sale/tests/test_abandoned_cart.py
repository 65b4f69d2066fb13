import re
from datetime import datetime, timedelta

import werkzeug.urls
from freezegun import freeze_time

from odoo.addons.marketing_automation_ext.tests.template_common import TemplateCommon
from odoo.addons.mass_mailing_sms.tests.common import MassSMSCase
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mail as mail_tools

T0 = datetime(2026, 3, 2, 10, 0, 0)  # a Monday, 10:00 UTC


@tagged("post_install", "-at_install", "marketing_automation")
class TestAbandonedCart(TemplateCommon, MassSMSCase):
    """The abandoned cart template, made through the wizard as a marketer and run by the crons over
    real website carts (only the SMTP and SMS gateway hops are intercepted)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.website = cls.env["website"].get_current_website()
        cls.product = cls.env["product.product"].create(
            {"name": "Blue Teapot", "list_price": 40.0, "type": "consu", "sale_ok": True, "website_published": True}
        )
        Partner = cls.env["res.partner"]
        address = {"street": "1 Main Street", "city": "Brussels", "country_id": cls.env.ref("base.be").id}
        cls.p_left = Partner.create(
            {"name": "Lena Left", "email": "lena@example.com", "phone": "+32 456 10 20 30", **address}
        )
        cls.p_buyer = Partner.create(
            {"name": "Bert Buyer", "email": "bert@example.com", "phone": "+32 456 40 50 60", **address}
        )
        cls.p_fresh = Partner.create(
            {"name": "Fay Fresh", "email": "fay@example.com", "phone": "+32 456 70 80 90", **address}
        )
        # the website's public user, given an address so that only the rule keeps it out
        cls.public_partner = cls.website.user_id.partner_id
        cls.public_partner.write({"email": "public@example.com", "phone": "+32 456 11 22 33"})
        cls.cart_left = cls._cart(cls.p_left, T0 - timedelta(hours=2))
        cls.cart_buyer = cls._cart(cls.p_buyer, T0 - timedelta(hours=3))
        cls.cart_fresh = cls._cart(cls.p_fresh, T0 - timedelta(minutes=20))
        cls.cart_public = cls._cart(cls.public_partner, T0 - timedelta(hours=5))

    @classmethod
    def _cart(cls, partner, last_change):
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "website_id": cls.website.id,
                "order_line": [(0, 0, {"product_id": cls.product.id, "product_uom_qty": 2})],
            }
        )
        cls._touched(order, last_change)
        return order

    @classmethod
    def _touched(cls, order, moment):
        # the ORM stamps the transaction's time: the cart's last change is set as a shopper's visit left it
        order.flush_recordset()
        cls.env.cr.execute("UPDATE sale_order SET write_date = %s WHERE id = %s", [moment, order.id])
        order.invalidate_recordset(["write_date"])

    def template(self, code):
        return self.env.ref("marketing_automation_ext_website_sale.workflow_template_%s" % code)

    def _tracked_link(self, body, label):
        for _href, url, _dummy, text in re.findall(mail_tools.HTML_TAG_URL_REGEX, body):
            if text == label:
                code = werkzeug.urls.url_parse(url).path.split("/")[2]
                return self.env["link.tracker.code"].search([("code", "=", code)]).link_id.url
        return self.fail("no link %r in the email" % label)

    def run_at(self, moment):
        with freeze_time(moment), self.mock_mail_gateway(mail_unlink_sent=False), self.mockSMSGateway():
            self.run_journeys()

    def test_gallery_card(self):
        template = self.template("abandoned_cart").with_user(self.user_ma_user)
        gallery = self.env["marketing.workflow.template"].with_user(self.user_ma_user).search([])
        self.assertIn(template, gallery, "in the same gallery as the main templates")
        self.assertEqual(template.channels, "Email · SMS")
        self.assertIn("A day later, still unpaid: SMS", template.diagram)

    def test_abandoned_cart_journey(self):
        workflow = self.from_template("abandoned_cart", name="Carts left")
        email, sms = self.step(workflow, "Your cart is waiting"), self.step(workflow, "A day later, still unpaid: SMS")
        sms.mailing_id.sms_force_send = True
        with freeze_time(T0):
            workflow.with_user(self.user_ma_user).action_start()
        self.run_at(T0)
        self.assertEqual(
            self.sent_to(email),
            {self.p_left.id, self.p_buyer.id},
            "carts left for an hour get the email; a fresh cart and the public user's cart do not",
        )
        mail = self._find_sent_mail_wemail(self.p_left.email_formatted)
        self.assertIn("Blue Teapot", mail["body"], "the cart's content")
        self.assertTrue(self.cart_left.access_token)
        self.assertEqual(
            self._tracked_link(mail["body"], "Back to my cart"),
            "%s/shop/cart?access_token=%s" % (self.cart_left.get_base_url(), self.cart_left.access_token),
            "the button brings Lena's own cart back (through Odoo's link tracker)",
        )

        # Bert pays his cart in the afternoon: he leaves as converted
        with freeze_time(T0 + timedelta(hours=4)):
            self.cart_buyer.action_confirm()
        self.run_at(T0 + timedelta(hours=4))
        buyer = self.participant_of(workflow, self.p_buyer)
        self.assertEqual(buyer.state, "converted")
        self.assertNotEqual(self.trace_of(buyer, sms).state, "processed")

        # the fresh cart is now more than an hour old: it gets its email, not the SMS of the others
        self.run_at(T0 + timedelta(hours=12))
        self.assertEqual(self.sent_to(email), {self.p_left.id, self.p_buyer.id, self.p_fresh.id})

        self.run_at(T0 + timedelta(days=1, minutes=5))
        self.assertSMSIapSent([self.p_left.phone_sanitized], content="Your cart is still waiting")
        self.assertEqual(self.sent_to(sms), {self.p_left.id}, "still unpaid a day later: the SMS, to Lena only")
        sms_body = next(sms["body"] for sms in self._sms if sms["number"] == self.p_left.phone_sanitized)
        code = re.search(r"/r/(\w+)/s/", sms_body).group(1)
        self.assertIn(
            "/shop/cart?access_token=%s" % self.cart_left.access_token,
            self.env["link.tracker.code"].search([("code", "=", code)]).link_id.url,
            "the SMS links back to Lena's cart",
        )
        self.assertEqual(self.participant_of(workflow, self.p_left).state, "completed")
        self.assertFalse(self.participant_of(workflow, self.public_partner), "the public user never takes part")
        self.assertEqual(workflow.converted_count, 1)

    def test_idle_hours_filter(self):
        """'Left for N hours' is a filter a marketer can type; nonsense is refused clearly."""
        Order = self.env["sale.order"]
        with freeze_time(T0):
            found = Order.search(
                [("id", "in", (self.cart_left | self.cart_fresh).ids), ("marketing_cart_idle_hours", ">=", 1)]
            )
            self.assertEqual(found, self.cart_left)
            self.assertAlmostEqual(self.cart_left.marketing_cart_idle_hours, 2.0, places=2)
        mine = [("id", "in", (self.cart_left | self.cart_public).ids)]
        self.assertEqual(Order.search([*mine, ("marketing_public_cart", "=", True)]), self.cart_public)
        self.assertEqual(Order.search([*mine, ("marketing_public_cart", "!=", True)]), self.cart_left)
        with self.assertRaises(UserError):
            Order.search([("marketing_cart_idle_hours", ">=", "an hour")])

    def test_renders_for_an_empty_contact(self):
        """No name, no company, no country, no cart left: the email and SMS still render cleanly."""
        blank = self.env["res.partner"].create({"type": "other", "email": "blank@example.com"})
        workflow = self.from_template("abandoned_cart")
        for mailing in workflow.mailing_ids:
            rendered = mailing._marketing_render_for(blank)
            for text in (rendered.get("subject") or "", str(rendered.get("body") or ""), rendered.get("sms") or ""):
                for wrong in ("False", "None", "t-out", "{{"):
                    self.assertNotIn(wrong, text, mailing.name)
        with_cart = workflow.mailing_ids.filtered(lambda m: m.mailing_type == "mail")._marketing_render_for(self.p_left)
        self.assertIn("Hello Lena Left,", with_cart["body"])
        self.assertIn("2 × Blue Teapot", with_cart["body"])
