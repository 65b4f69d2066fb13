from datetime import datetime, timedelta

from odoo.tests import BaseCase

from ..lib.event_journey import ENROLMENT_DAYS_AFTER, bind_event, enrolment_window

BEGIN = datetime(2026, 3, 12, 10, 0)
END = datetime(2026, 3, 12, 14, 0)


class TestEventJourneyLib(BaseCase):
    def test_bind_event(self):
        self.assertEqual(
            bind_event("[('registration_ids.event_id', '=', event_id)]", 7), "[('registration_ids.event_id', '=', 7)]"
        )
        self.assertEqual(bind_event("[]", 7), "[]")
        self.assertFalse(bind_event(False, 7))
        for bad in ("[('a', '=', other_name)]", "{'a': 1}", "[("):
            with self.assertRaises(ValueError):
                bind_event(bad, 7)

    def test_window_before_the_event_stays_open_until_it_starts(self):
        self.assertEqual(enrolment_window(BEGIN, END, "begin", -2), (BEGIN - timedelta(days=2), BEGIN))

    def test_window_after_the_event(self):
        start = END + timedelta(days=1)
        self.assertEqual(enrolment_window(BEGIN, END, "end", 1), (start, start + timedelta(days=ENROLMENT_DAYS_AFTER)))
        # on the day it starts (no offset): from the start, for the same while
        self.assertEqual(
            enrolment_window(BEGIN, END, "begin", 0), (BEGIN, BEGIN + timedelta(days=ENROLMENT_DAYS_AFTER))
        )
