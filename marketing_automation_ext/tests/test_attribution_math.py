"""Attribution on a hand-built case with known shares: plain tests, no database."""

from datetime import date

from odoo.tests import BaseCase

from ..lib.attribution import attribute, funnel_drop_off, quarter_bounds, quarter_label, roi, week_starts

# three won deals: 900 touched by a, b, c (in that order), 300 by b then b again, 200 untouched
CONVERSIONS = [(900, ["a", "b", "c"]), (300, ["b", "b"]), (200, [])]


class TestAttributionMath(BaseCase):
    def test_first_touch(self):
        self.assertEqual(attribute(CONVERSIONS, "first_touch"), ({"a": 900.0, "b": 300.0}, 200.0))

    def test_last_touch(self):
        self.assertEqual(attribute(CONVERSIONS, "last_touch"), ({"c": 900.0, "b": 300.0}, 200.0))

    def test_linear(self):
        shares, unattributed = attribute(CONVERSIONS, "linear")
        self.assertEqual(shares, {"a": 300.0, "b": 600.0, "c": 300.0})
        self.assertEqual(unattributed, 200.0)

    def test_every_model_keeps_the_total(self):
        for model in ("first_touch", "last_touch", "linear"):
            shares, unattributed = attribute(CONVERSIONS, model)
            self.assertAlmostEqual(sum(shares.values()) + unattributed, 1400.0)

    def test_unknown_model(self):
        with self.assertRaises(ValueError):
            attribute(CONVERSIONS, "time_decay")

    def test_quarters(self):
        self.assertEqual(quarter_bounds(date(2026, 5, 20)), (date(2026, 4, 1), date(2026, 7, 1)))
        self.assertEqual(quarter_bounds(date(2026, 2, 1), -1), (date(2025, 10, 1), date(2026, 1, 1)))
        self.assertEqual(quarter_bounds(date(2026, 12, 31)), (date(2026, 10, 1), date(2027, 1, 1)))
        self.assertEqual(quarter_label(date(2025, 10, 1)), "2025 Q4")

    def test_weeks_funnel_roi(self):
        self.assertEqual(
            week_starts(date(2026, 4, 1), date(2026, 4, 13)), [date(2026, 3, 30), date(2026, 4, 6), date(2026, 4, 13)]
        )
        self.assertEqual(
            funnel_drop_off([("reached", 10), ("sent", 8), ("opened", 2)]),
            [("reached", 10, 100.0, 0.0), ("sent", 8, 80.0, 20.0), ("opened", 2, 20.0, 75.0)],
        )
        self.assertEqual(
            funnel_drop_off([("reached", 0), ("sent", 0)]), [("reached", 0, 0.0, 0.0), ("sent", 0, 0.0, 0.0)]
        )
        self.assertEqual(roi(300, 100), 200.0)
        self.assertIsNone(roi(300, 0))
