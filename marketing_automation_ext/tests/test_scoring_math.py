"""Pure scoring arithmetic: plain tests, no database."""

import math

from odoo.tests import BaseCase

from ..lib.scoring import (
    behaviour_points,
    cap_points,
    decay_factor,
    grade_for,
    points_error,
    url_pattern_to_like,
)

DAY = 86400


class TestScoringMath(BaseCase):
    def test_decay_halves_every_half_life(self):
        self.assertEqual(decay_factor(0, 30), 1.0)
        self.assertAlmostEqual(decay_factor(30 * DAY, 30), 0.5)
        self.assertAlmostEqual(decay_factor(90 * DAY, 30), 0.125)
        self.assertEqual(decay_factor(365 * DAY, 0), 1.0, "half-life 0 means no decay")
        self.assertEqual(decay_factor(-5 * DAY, 30), 1.0, "a future date never weighs more")

    def test_cap_follows_the_sign(self):
        self.assertEqual(cap_points(35, 20), 20)
        self.assertEqual(cap_points(-35, 20), -20)
        self.assertEqual(cap_points(12, 20), 12)
        self.assertEqual(cap_points(500, 0), 500)

    def test_behaviour_points(self):
        # three opens worth 4 each, one fresh, two one half-life old, capped at 10
        self.assertAlmostEqual(behaviour_points(4, [0, 7 * DAY, 7 * DAY], 7, 0), 8.0)
        self.assertEqual(behaviour_points(4, [0] * 5, 7, 10), 10)

    def test_grades(self):
        self.assertEqual(grade_for(50, 20, 50), "hot")
        self.assertEqual(grade_for(49, 20, 50), "warm")
        self.assertEqual(grade_for(19, 20, 50), "cold")
        self.assertEqual(grade_for(-40, 20, 50), "cold")

    def test_url_patterns(self):
        self.assertEqual(url_pattern_to_like("*/pricing*"), "%/pricing%")
        self.assertEqual(url_pattern_to_like("pricing"), "%pricing%")
        self.assertEqual(url_pattern_to_like("50%_off"), "%50\\%\\_off%")
        self.assertIsNone(url_pattern_to_like(""))

    def test_points_bounds(self):
        self.assertIsNone(points_error(10, 0))
        self.assertIn("between", points_error(5000, 0))
        self.assertIn("0 points", points_error(0, 0))
        self.assertIn("cap", points_error(5, -3))
        self.assertTrue(math.isfinite(decay_factor(10**9, 1)))
