from odoo.tests import BaseCase

from ..lib.dwell import MAX_DWELL_SECONDS, BeaconError, check_fields, dwell_fits, page_path, parse_seconds


class TestDwellMath(BaseCase):
    def assertRefused(self, status, function, *args):
        with self.assertRaises(BeaconError) as caught:
            function(*args)
        self.assertEqual(caught.exception.status, status)

    def test_seconds(self):
        self.assertEqual(parse_seconds("42"), 42)
        self.assertEqual(parse_seconds(str(MAX_DWELL_SECONDS)), MAX_DWELL_SECONDS)
        for bad in ("0", "-3", "3.5", "1e3", "", " 4", "４", str(MAX_DWELL_SECONDS + 1), "9" * 40, None):
            self.assertRefused(400, parse_seconds, bad)

    def test_page_path(self):
        self.assertEqual(page_path("http://shop.example.com/pricing?x=1#plans", "shop.example.com"), "/pricing?x=1")
        self.assertEqual(page_path("https://Shop.Example.com", "shop.example.com"), "/")
        for bad in (
            "http://evil.example.org/pricing",
            "javascript:alert(1)",
            "/pricing",
            "",
            None,
            "http://shop.example.com/" + "a" * 3000,
        ):
            self.assertRefused(400, page_path, bad, "shop.example.com")

    def test_fields_and_bounds(self):
        check_fields(["url", "seconds"])
        self.assertRefused(400, check_fields, ["url", "seconds", "visitor_id"])
        self.assertTrue(dwell_fits(30, 40.0))
        self.assertTrue(dwell_fits(44, 40.0))  # a few seconds of clock skew
        self.assertFalse(dwell_fits(3600, 40.0))
