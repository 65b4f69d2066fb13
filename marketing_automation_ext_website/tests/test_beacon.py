from odoo import fields
from odoo.tests import tagged

from ..lib.dwell import MAX_DWELL_SECONDS, RATE_LIMIT_PER_MINUTE
from .common import WebsiteMarketingCase


@tagged("post_install", "-at_install")
class TestBeacon(WebsiteMarketingCase):
    """Every malformed, forged, oversized or out-of-bounds beacon is answered 4xx and stores nothing."""

    def setUp(self):
        super().setUp()
        self.visit("/")
        self.lead = self.submit_contact_form()  # a known visitor: a stored figure would also touch a touchpoint
        self.visit("/pricing")
        self.opened_ago(120)

    def assertRefused(self, status, response):
        self.assertEqual(response.status_code, status, response.text)

    def test_refused_requests_store_nothing(self):
        before = self.stored_state()
        base = self.base_url()
        cases = [
            (400, {"url": base + "/pricing", "seconds": "abc"}),
            (400, {"url": base + "/pricing", "seconds": "0"}),
            (400, {"url": base + "/pricing", "seconds": "-5"}),
            (400, {"url": base + "/pricing", "seconds": "2.5"}),
            (400, {"url": base + "/pricing", "seconds": str(MAX_DWELL_SECONDS + 1)}),
            (400, {"url": base + "/pricing"}),
            (400, {"seconds": "10"}),
            (400, {"url": "https://evil.example.org/pricing", "seconds": "10"}),
            (400, {"url": "javascript:alert(1)", "seconds": "10"}),
            (400, {"url": base + "/pricing", "seconds": "10", "visitor_id": "1"}),
            (413, {"url": base + "/pricing?" + "x" * 5000, "seconds": "10"}),
            (404, {"url": base + "/never-seen", "seconds": "10"}),
            (400, {"url": base + "/pricing", "seconds": "3600"}),  # longer than the page has been open
        ]
        for status, data in cases:
            with self.subTest(data=data):
                response = self.url_open("/marketing/dwell", data=data, allow_redirects=False)
                self.assertRefused(status, response)
        self.assertRefused(405, self.url_open("/marketing/dwell?url=%s/pricing&seconds=10" % base))
        self.assertEqual(self.stored_state(), before)

    def test_forged_visitor_refused(self):
        before = self.stored_state()
        self.opener.cookies.clear()  # another browser: no session, so no visitor of this website
        self.assertRefused(403, self.beacon("/pricing", 10))
        self.assertEqual(self.stored_state(), before)

    def test_one_figure_then_conflict(self):
        self.assertEqual(self.beacon("/pricing", 30).status_code, 204)
        after_first = self.stored_state()
        self.assertRefused(409, self.beacon("/pricing", 31))
        self.assertEqual(self.stored_state(), after_first)

    def test_rate_limit_per_visitor(self):
        visitor = self.current_visitor()
        now = fields.Datetime.now()
        self.env.flush_all()
        # this visitor has sent its quota of figures within the last minute
        self.env.cr.execute(
            """INSERT INTO website_track (visitor_id, url, visit_datetime, marketing_consent, marketing_dwell_seconds,
                                          marketing_dwell_date)
               SELECT %s, 'http://example.com/p' || n, %s, true, 5, %s FROM generate_series(1, %s) n""",
            [visitor.id, now, now, RATE_LIMIT_PER_MINUTE],
        )
        before = self.stored_state()
        self.assertRefused(429, self.beacon("/pricing", 10))
        self.assertEqual(self.stored_state(), before)
