"""Best send time, pure functions: plain tests, no database."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from odoo.tests import BaseCase

from ..lib.send_time import (
    SLOTS,
    SendSlot,
    best_send_slot,
    contact_zone,
    local_slot,
    mode_of_open_hours,
    mode_skipping_first_hour,
    population_prior,
)

TOKYO = "Asia/Tokyo"
# Tuesday 7 January 2025, 09:00 UTC = Tuesday 18:00 in Tokyo
FIRST_SEND = datetime(2025, 1, 7, 9, 0)
MINUTES = (5, 40, 15, 55, 25, 10, 45, 30, 50, 20, 35, 0)


def at_local(zone, day, hour, minute=0):
    """The naive UTC datetime of a local wall-clock time."""
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def thursday_reader(weeks, read_at_delivery_every=3, first_send=FIRST_SEND):
    """Weekly sends at 09:00 UTC; one message in three read within the half hour after it lands (the
    reader happened to be at the inbox), the others on Thursday around 23:00 Tokyo time."""
    sends, opens = [], []
    for week in range(weeks):
        sent = first_send + timedelta(weeks=week)
        sends.append(sent)
        if week % read_at_delivery_every == 0:
            opens.append(sent + timedelta(minutes=12))
        else:
            thursday = (sent + timedelta(days=2)).date()
            opens.append(at_local(TOKYO, thursday, 23, MINUTES[week % len(MINUTES)]))
    return sends, opens


class TestSendTimeMath(BaseCase):
    def test_tokyo_thursday_night_despite_sends_at_nine_utc(self):
        sends, opens = thursday_reader(12, read_at_delivery_every=2)
        # with a click after every read at delivery, two events in three are at the sender's hour
        clicks = [sends[week] + timedelta(minutes=14) for week in range(0, 12, 2)]
        slot = best_send_slot(sends, opens + clicks, TOKYO)
        self.assertEqual((slot.weekday, slot.hour), (3, 23), slot)
        self.assertGreater(slot.confidence, 0.5)
        self.assertEqual(slot.label(), "Thu 23:00–00:00")
        # the vendors' first rule learns the sender's habit back: Tuesday 18:00 in Tokyo
        naive = mode_of_open_hours(opens + clicks, TOKYO)
        self.assertEqual((naive.weekday, naive.hour), (1, 18))

    def test_naive_and_aware_datetimes_agree(self):
        sends, opens = thursday_reader(9)
        utc = (
            [moment.replace(tzinfo=timezone.utc) for moment in sends],
            [moment.replace(tzinfo=timezone.utc) for moment in opens],
        )
        elsewhere = ZoneInfo("America/New_York")
        shifted = (
            [moment.astimezone(elsewhere) for moment in utc[0]],
            [moment.astimezone(elsewhere) for moment in utc[1]],
        )
        expected = best_send_slot(sends, opens, TOKYO)
        self.assertEqual(best_send_slot(*utc, TOKYO), expected)
        self.assertEqual(best_send_slot(*shifted, TOKYO), expected)
        now = sends[-1] + timedelta(days=30)
        self.assertEqual(
            best_send_slot(sends, opens, TOKYO, now=now),
            best_send_slot(*shifted, TOKYO, now=now.replace(tzinfo=timezone.utc)),
        )
        self.assertEqual(mode_skipping_first_hour(sends, opens, TOKYO), mode_skipping_first_hour(*shifted, TOKYO))

    def test_prior_decides_without_history(self):
        prior = [1.0] * SLOTS
        prior[2 * 24 + 20] = 3.0  # Wednesday 20:00
        slot = best_send_slot([], [], TOKYO, prior=prior)
        self.assertEqual((slot.weekday, slot.hour), (2, 20))
        self.assertLess(slot.confidence, 0.2)
        # sends never opened: still the prior, still unsure
        sends, _opens = thursday_reader(4)
        slot = best_send_slot(sends, [], TOKYO, prior=prior)
        self.assertEqual((slot.weekday, slot.hour), (2, 20))
        self.assertLess(slot.confidence, 0.2)
        # no prior, no history: a slot, with no confidence at all
        self.assertEqual(best_send_slot([], [], None).confidence, 0.0)
        with self.assertRaises(ValueError):
            best_send_slot([], [], TOKYO, prior=[1.0] * 24)

    def test_history_outweighs_the_prior(self):
        prior = [1.0] * SLOTS
        prior[2 * 24 + 20] = 3.0
        sends, opens = thursday_reader(12)
        slot = best_send_slot(sends, opens, TOKYO, prior=prior)
        self.assertEqual((slot.weekday, slot.hour), (3, 23))

    def test_confidence_grows_with_consistent_history(self):
        few = best_send_slot(*thursday_reader(4), TOKYO)
        many = best_send_slot(*thursday_reader(16), TOKYO)
        self.assertEqual((many.weekday, many.hour), (3, 23))
        self.assertLess(few.confidence, many.confidence)
        # the same number of reads scattered over the week: less sure
        sends, _opens = thursday_reader(16)
        scattered = [sent + timedelta(hours=10 + 13 * week % 90) for week, sent in enumerate(sends)]
        self.assertLess(best_send_slot(sends, scattered, TOKYO).confidence, many.confidence)
        for slot in (few, many):
            self.assertTrue(0.0 <= slot.confidence <= 1.0)

    def test_local_time_across_daylight_saving_changes(self):
        # a Paris reader at 08:xx every Monday from February to June (CET then CEST); sends Friday 12:00 UTC
        for zone, first_friday in (("Europe/Paris", datetime(2025, 2, 7)), ("Australia/Sydney", datetime(2025, 2, 7))):
            sends, opens = [], []
            for week in range(20):
                friday = first_friday + timedelta(weeks=week)
                sends.append(friday.replace(hour=12))
                monday = (friday + timedelta(days=3)).date()
                opens.append(at_local(zone, monday, 8, MINUTES[week % len(MINUTES)]))
            utc_hours = {moment.hour for moment in opens}
            self.assertEqual(len(utc_hours), 2, "the reads cross a DST change in UTC")
            slot = best_send_slot(sends, opens, zone)
            self.assertEqual((slot.weekday, slot.hour), (0, 8), zone)
            self.assertEqual(mode_of_open_hours(opens, zone).slot, 8)

    def test_exposure_two_habits(self):
        """Tuesday sends; the reader comes on Thursday night in 6 weeks of 10 and every Monday at 08:00.
        Thursday holds more opens, but Monday is where she reads whenever mail is waiting."""
        sends, opens = [], []
        for week in range(10):
            sent = FIRST_SEND + timedelta(weeks=week)
            sends.append(sent)
            if week in (0, 1, 3, 4, 6, 8):
                opens.append(at_local(TOKYO, (sent + timedelta(days=2)).date(), 23, MINUTES[week]))
            else:
                opens.append(at_local(TOKYO, (sent + timedelta(days=6)).date(), 8, MINUTES[week]))
        slot = best_send_slot(sends, opens, TOKYO)
        self.assertEqual((slot.weekday, slot.hour), (0, 8))
        skipping = mode_skipping_first_hour(sends, opens, TOKYO)
        self.assertEqual((skipping.weekday, skipping.hour), (3, 23), "the vendors' rule counts opens, not chances")

    def test_recent_behaviour_weighs_more(self):
        """Until May the reader opened one message in two on Wednesday at 20:00; since, one in two on
        Saturday at 10:00. Unopened mail waits all week, so both slots were watched every week."""
        sends, opens = [], []
        for week in range(30):
            sent = FIRST_SEND + timedelta(weeks=week)
            sends.append(sent)
            if week < 18 and week % 9 not in (1, 3, 5, 7):  # 10 of 18 weeks
                opens.append(at_local(TOKYO, (sent + timedelta(days=1)).date(), 20, MINUTES[week % 12]))
            elif week >= 18 and week % 2:  # 6 of 12 weeks
                opens.append(at_local(TOKYO, (sent + timedelta(days=4)).date(), 10, MINUTES[week % 12]))
        self.assertEqual(best_send_slot(sends, opens, TOKYO).slot, 5 * 24 + 10)
        # without decay the longer habit still wins
        self.assertEqual(best_send_slot(sends, opens, TOKYO, half_life_days=0).slot, 2 * 24 + 20)

    def test_baselines(self):
        sends, opens = thursday_reader(13, read_at_delivery_every=2)
        # 7 opens of 13 land right after the send: the first rule returns the send hour (Tue 18:00 Tokyo)
        first = mode_of_open_hours(opens, TOKYO)
        self.assertEqual((first.weekday, first.hour), (1, 18))
        self.assertAlmostEqual(first.confidence, 7 / 13)
        # the second drops them and finds Thursday
        second = mode_skipping_first_hour(sends, opens, TOKYO)
        self.assertEqual((second.weekday, second.hour), (3, 23))
        self.assertEqual(second.confidence, 1.0)
        # every open within the hour: all are used
        quick = [sent + timedelta(minutes=5) for sent in sends]
        self.assertEqual(mode_skipping_first_hour(sends, quick, TOKYO).slot, 24 + 18)
        self.assertIsNone(mode_of_open_hours([], TOKYO))
        self.assertIsNone(mode_skipping_first_hour(sends, [], TOKYO))
        # unknown zone: UTC
        self.assertEqual(mode_of_open_hours(opens, "Mars/Olympus").slot, 24 + 9)

    def test_population_prior(self):
        histories = [thursday_reader(8) for _contact in range(3)]
        histories = [(sends, opens, TOKYO) for sends, opens in histories]
        histories.append(thursday_reader(8) + ("Europe/Brussels",))  # 14:xx on Thursday in Brussels
        prior = population_prior(histories)
        self.assertEqual(len(prior), SLOTS)
        self.assertAlmostEqual(sum(prior), 1.0)
        self.assertTrue(all(weight > 0 for weight in prior))
        self.assertEqual(max(range(SLOTS), key=prior.__getitem__), 3 * 24 + 23)
        for weight in population_prior([]):
            self.assertAlmostEqual(weight, 1.0 / SLOTS)
        # a contact with one open follows the population where its own evidence is thin
        lone = best_send_slot([FIRST_SEND], [FIRST_SEND + timedelta(minutes=3)], TOKYO, prior=prior)
        self.assertEqual(lone.slot, 3 * 24 + 23)

    def test_contact_zone(self):
        self.assertEqual(contact_zone("Asia/Tokyo", "BE", "Europe/Brussels"), "Asia/Tokyo")
        self.assertEqual(contact_zone(False, "jp", "Europe/Brussels"), "Asia/Tokyo")
        self.assertEqual(contact_zone("Not/AZone", "US", "Europe/Brussels"), "America/New_York")
        self.assertEqual(contact_zone(None, None, "Europe/Brussels"), "Europe/Brussels")
        self.assertEqual(contact_zone(None, "XX", None), "UTC")
        self.assertEqual(contact_zone("", "", "Nowhere"), "UTC")

    def test_slots(self):
        self.assertEqual(SendSlot.from_slot(3 * 24 + 23, 1.7), SendSlot(3, 23, 1.0))
        self.assertEqual(SendSlot.from_slot(-1, -0.2), SendSlot(6, 23, 0.0))
        self.assertEqual(SendSlot(6, 23, 0.5).label(), "Sun 23:00–00:00")
        self.assertEqual(local_slot(FIRST_SEND, TOKYO), 24 + 18)
        self.assertEqual(local_slot(FIRST_SEND.replace(tzinfo=timezone.utc), None), 24 + 9)
