"""Base class of the website bridge's tests: a real website, real HTTP requests, real page views."""

import json

from odoo.tests import HttpCase


class WebsiteMarketingCase(HttpCase):
    """Known score rules, a pricing page, and helpers that browse the site as an anonymous visitor."""

    # as Odoo's own visitor tests: pages are served on a read/write cursor (no read-only replica),
    # which is what records page views
    readonly_enabled = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.website = cls.env["website"].get_current_website()
        cls.website.write({"marketing_track_all_pages": True, "cookies_bar": False})
        # known rules only: the defaults shipped as data are archived here
        cls.env["marketing.score.rule"].search([]).write({"active": False})
        Rule = cls.env["marketing.score.rule"]
        common = {"rule_type": "behaviour", "half_life_days": 0}
        cls.rule_pricing = Rule.create(
            {**common, "name": "Pricing", "event_type": "page_view", "url_pattern": "*/pricing*", "points": 10}
        )
        cls.rule_long_read = Rule.create(
            {**common, "name": "Long read", "event_type": "page_view", "min_dwell_seconds": 20, "points": 7}
        )
        cls.rule_form = Rule.create({**common, "name": "Form", "event_type": "form_submit", "points": 15})
        cls.page_pricing = cls.env["website.page"].create(
            {
                "name": "Pricing",
                "url": "/pricing",
                "type": "qweb",
                "website_id": cls.website.id,
                "is_published": True,
                "arch": '<t t-name="pricing"><t t-call="website.layout">'
                '<div id="wrap"><h1>Our prices</h1></div></t></t>',
            }
        )

    def visit(self, path):
        response = self.url_open(path)
        self.assertEqual(response.status_code, 200, path)
        return response

    def beacon(self, path, seconds, **extra):
        """What navigator.sendBeacon posts when the page at ``path`` is left."""
        data = {"url": self.base_url() + path, "seconds": str(seconds), **extra}
        return self.url_open("/marketing/dwell", data=data, allow_redirects=False)

    def opened_ago(self, seconds):
        """The current visitor's page views were opened ``seconds`` ago.

        Under HttpCase every request shares the test's transaction, so Odoo stamps page views with
        the transaction's start; a reader who stayed longer is a page view opened earlier.
        """
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE website_track SET visit_datetime = visit_datetime - %s * INTERVAL '1 second' WHERE visitor_id = %s",
            [seconds, self.current_visitor().id],
        )

    def refuse_optional_cookies(self):
        self.website.cookies_bar = True
        self.opener.cookies.set(
            "website_cookies_bar", json.dumps({"required": True, "optional": False}), domain="127.0.0.1", path="/"
        )

    def submit_contact_form(self, email="visitor@example.com", name="Vera Visitor"):
        response = self.url_open(
            "/website/form/crm.lead",
            data={
                "contact_name": name,
                "email_from": email,
                "name": "A question",
                "description": "Please call me back",
            },
            headers={"Referer": self.base_url() + "/contactus"},
        )
        self.assertEqual(response.status_code, 200, response.text)
        return self.env["crm.lead"].browse(response.json()["id"])

    def current_visitor(self):
        return self.env["website.visitor"].search([], order="last_connection_datetime desc, id desc", limit=1)

    def stored_state(self):
        """What a refused beacon must leave untouched."""
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT (SELECT count(*) FROM website_track WHERE marketing_dwell_seconds IS NOT NULL),
                      (SELECT count(*) FROM marketing_event WHERE dwell_seconds IS NOT NULL),
                      (SELECT count(*) FROM marketing_event WHERE NOT scored),
                      (SELECT count(*) FROM marketing_workflow_event_queue)"""
        )
        return self.env.cr.fetchone()
