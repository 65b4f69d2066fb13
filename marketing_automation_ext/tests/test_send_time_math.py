"""Best send time, pure functions: plain tests, no database."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from odoo.tests import BaseCase

from ..lib.send_time import (
    DEFAULT_SCATTER,
    SCATTER_HOURS,
    SLOTS,
    SendSlot,
    SendTimePrior,
    best_send_slot,
    contact_zone,
    learn_scatter,
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


def habit_reader(zone, weeks, read_hours, first_send=FIRST_SEND):
    """Weekly sends at 09:00 UTC; in week ``n`` the message is read on Thursday at local
    ``read_hours[n % len(read_hours)]`` (an hour, or None: not read)."""
    sends, opens = [], []
    for week in range(weeks):
        sent = first_send + timedelta(weeks=week)
        sends.append(sent)
        hour = read_hours[week % len(read_hours)]
        if hour is not None:
            thursday = (sent + timedelta(days=2)).date()
            opens.append(at_local(zone, thursday, 0, MINUTES[week % len(MINUTES)]) + timedelta(hours=hour))
    return sends, opens


# reading hours of one contact over 20 weeks around a habit at 20:00, and how often each is off
PUNCTUAL = [20] * 14 + [19, 19, 21, 21, 18, 22]  # 70% in the hour, 10% an hour early, late; 5% two
SCATTERED = [20] * 8 + [19] * 5 + [21] * 5 + [18, 22]  # 40%, 25%, 25%, 5%, 5%


def population(pattern, contacts=30):
    """``contacts`` Tokyo readers following ``pattern``, each from another week and at another hour."""
    histories = []
    for contact in range(contacts):
        start = contact % len(pattern)
        rotated = pattern[start:] + pattern[:start]
        shift = contact % 7 - 3
        histories.append(habit_reader(TOKYO, len(pattern), [hour + shift for hour in rotated]) + (TOKYO,))
    return histories


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
        self.assertIsInstance(prior, SendTimePrior)
        self.assertEqual(len(prior.weights), SLOTS)
        self.assertAlmostEqual(sum(prior.weights), 1.0)
        self.assertTrue(all(weight > 0 for weight in prior.weights))
        self.assertEqual(max(range(SLOTS), key=prior.weights.__getitem__), 3 * 24 + 23)
        # every read at 23:xx: the learned scatter keeps nearly all of them in the habit's hour
        self.assertGreater(prior.scatter[SCATTER_HOURS], 0.9)
        empty = population_prior([])
        for weight in empty.weights:
            self.assertAlmostEqual(weight, 1.0 / SLOTS)
        self.assertEqual(empty.scatter, DEFAULT_SCATTER)
        # a contact with one open follows the population where its own evidence is thin
        lone = best_send_slot([FIRST_SEND], [FIRST_SEND + timedelta(minutes=3)], TOKYO, prior=prior)
        self.assertEqual(lone.slot, 3 * 24 + 23)
        # 168 bare weights (a prior stored by an older version) still do, with the default scatter
        self.assertEqual(
            best_send_slot([FIRST_SEND], [FIRST_SEND + timedelta(minutes=3)], TOKYO, prior=list(prior.weights)).slot,
            lone.slot,
        )

    def test_prior_storage(self):
        prior = population_prior([thursday_reader(8) + (TOKYO,)])
        stored = SendTimePrior.from_json(prior.to_json())
        self.assertEqual(len(stored.weights), SLOTS)
        for kept, learned in zip(stored.weights + stored.scatter, prior.weights + prior.scatter, strict=True):
            self.assertAlmostEqual(kept, learned, places=4)
        older = SendTimePrior.from_json([2.0] + [1.0] * (SLOTS - 1))
        self.assertEqual(older.scatter, DEFAULT_SCATTER)
        self.assertAlmostEqual(older.weights[0], 2.0 / (SLOTS + 1))
        for garbage in ([1.0] * 24, {"scatter": [1.0]}, {"weights": [1.0] * SLOTS, "scatter": [1.0] * 3}, "x", None):
            self.assertIsNone(SendTimePrior.from_json(garbage), garbage)
        # trusted half: halfway between the learned law and the default one, and between its weights and flat ones
        half = prior.blended(0.5)
        self.assertAlmostEqual(
            half.scatter[SCATTER_HOURS], (prior.scatter[SCATTER_HOURS] + DEFAULT_SCATTER[SCATTER_HOURS]) / 2
        )
        self.assertAlmostEqual(half.weights[0], (prior.weights[0] + 1.0 / SLOTS) / 2)

    def test_scatter_law_learned_from_the_population(self):
        """Expectation-maximisation finds back how far reads stray from the habit's hour, without
        being told where each contact's habit is."""
        for pattern, (far, near, centre) in ((PUNCTUAL, (0.05, 0.1, 0.7)), (SCATTERED, (0.05, 0.25, 0.4))):
            scatter = population_prior(population(pattern)).scatter
            for offset, share in ((0, centre), (1, near), (2, far)):
                self.assertAlmostEqual(scatter[SCATTER_HOURS + offset], share, delta=0.03, msg=(pattern, offset))
                self.assertAlmostEqual(scatter[SCATTER_HOURS - offset], share, delta=0.03, msg=(pattern, -offset))
            self.assertAlmostEqual(sum(scatter), 1.0)
        self.assertIsNone(learn_scatter({}))

    def test_reads_straddling_hours_placed_by_the_learned_scatter(self):
        """Thursday 23:xx in five weeks of ten, 22:xx in three, 21:xx in two. Where is the habit?
        For a population of punctual readers (reads seldom an hour off, an hour off twice as often as
        two), at 23:00, where most reads fell: the early ones are its scatter. For scattered readers
        (an hour off five times as often as two), at 22:00, the one hour within an hour of every read.
        Smoothing over the neighbouring hours (the method before) gave 22:00 to both."""
        sends, opens = habit_reader(TOKYO, 10, [23, 22, 23, 21, 23, 22, 23, 21, 23, 22])
        for pattern, hour in ((PUNCTUAL, 23), (SCATTERED, 22)):
            prior = SendTimePrior([1.0] * SLOTS, population_prior(population(pattern)).scatter)
            slot = best_send_slot(sends, opens, TOKYO, prior=prior)
            self.assertEqual((slot.weekday, slot.hour), (3, hour), pattern)
        # without a learned law, the default one (most reads in the habit's hour) finds 23:00
        self.assertEqual(best_send_slot(sends, opens, TOKYO).slot, 3 * 24 + 23)
        # the confidence says the exact hour is less sure than for a reader always at 23:xx
        steady = best_send_slot(*habit_reader(TOKYO, 10, [23]), TOKYO)
        self.assertEqual(steady.slot, 3 * 24 + 23)
        self.assertLess(best_send_slot(sends, opens, TOKYO).confidence, steady.confidence)

    def test_delivery_hour_pile_up(self):
        """Every message goes out on Tuesday 09:00 UTC (18:00 in Tokyo); two in three are opened within
        the half hour (clicks too), the others on the same evening at 21:xx, three hours later: the
        evening is the habit, the pile at 18:00 is the sender's hour read back. The first window
        watched starts two hours after the send (20:00), so its centre is 22:00 at the earliest: the
        smoothed rates alone (the method before) said 22:00; the hour is placed within the window."""
        sends, opens = [], []
        for week in range(15):
            sent = FIRST_SEND + timedelta(weeks=week)
            sends.append(sent)
            if week % 3:
                opens += [sent + timedelta(minutes=8 + week), sent + timedelta(minutes=15 + week)]
            else:
                opens.append(at_local(TOKYO, sent.date(), 21, MINUTES[week % len(MINUTES)]))
        slot = best_send_slot(sends, opens, TOKYO)
        self.assertEqual((slot.weekday, slot.hour), (1, 21), slot)
        self.assertEqual(mode_of_open_hours(opens, TOKYO).slot, 24 + 18, "the vendors' rule learns the send hour")

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
