"""Best send time: the estimator against the vendors' two rules, on planted reading habits.

Plain Python, no database: ``python bench/bench_send_time.py --contacts 100000``
(``make bench-send-time``). It imports ``marketing_automation_ext/lib/send_time.py``
by path, so Odoo is not needed (``contact_zone`` alone needs pytz; it is not used here).

The generator plants, per contact:
- a time zone, from ~40 zones on every continent (DST north and south, half-hour zones);
- one reading habit (65%) or two (35%): a local weekday and hour, each kept in a given
  week with probability 0.70–0.95 (the second one 0.3–0.7 times as often as the first).
  The *planted slot* is the first (most kept) habit. A session starts at the habit's hour
  shifted by -2…+2 h at a random minute, by one of two scatter laws (``--scatter``; both
  are run by default, one after the other, on the same seed): ``habits``, each contact
  has its own punctuality, 55–90% of its sessions in the habit's hour, the rest one hour
  off (4/5) or two; ``wide``, every contact alike, 7/20/46/20/7 %. 15% of contacts
  changed habits 120–240 days ago (their older sessions follow another slot);
- with ``--background B``, background inbox checks: 0–B a week (uniform) at random waking
  hours (7:00–23:00); none by default;
- an interest share 0.3–0.9 (the messages it would open at all), a share 0.2–0.5 of those
  read right at delivery (it opens whatever lands while at the inbox: 25 min on average
  after the send), the rest at the first session after delivery that it does not skip
  (85% open it then), within a week; a click follows an open one time in four;
- sends over the past year, 1 + an exponential number (mean 7 in all, at most 52): 80% on
  Tuesday 10:00 Europe/Brussels (the company's fixed hour), 20% on another weekday between
  8:00 and 19:00 Brussels time. 100,000 contacts make ~1,050,000 events.

Printed:
- the share of contacts whose planted slot is found (exact hour of the week, and within
  ±1 h) by ``best_send_slot`` (with ``population_prior`` of all contacts), by
  ``mode_of_open_hours`` and by ``mode_skipping_first_hour``, by amount of history (opened
  messages), beside a ceiling: an observer who knows which opens were the planted habit's
  reads and the law of their scatter (maximum likelihood);
- a replay: the expected open rate of one message landing at the recommended slot, at the
  company's hour, at the planted slot and at the baselines' slots (opened if read at
  delivery or at a session within 3 h / 24 h, from the planted behaviour, computed exactly);
- how confidence matches recovery; the time of the pure function calls; the scatter law
  ``population_prior`` learned from the histories (to compare with the planted one).
"""

import argparse
import bisect
import importlib.util
import math
import os
import random
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "send_time", os.path.join(HERE, "..", "marketing_automation_ext", "lib", "send_time.py")
)
send_time = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(send_time)

UTC = timezone.utc
EPOCH = send_time.EPOCH
SLOTS = send_time.SLOTS
NOW = datetime(2025, 11, 28, 12, 0)  # the history covers the year before (two DST changes)
COMPANY_ZONE = "Europe/Brussels"
COMPANY_WEEKDAY, COMPANY_HOUR = 1, 10  # Tuesday 10:00
COMPANY_SHARE = 0.8
ZONES = [
    ("Europe/Brussels", 8),
    ("Europe/Paris", 8),
    ("Europe/London", 6),
    ("Europe/Berlin", 6),
    ("Europe/Madrid", 3),
    ("Europe/Rome", 3),
    ("Europe/Warsaw", 2),
    ("Europe/Helsinki", 2),
    ("Europe/Istanbul", 2),
    ("Europe/Moscow", 1),
    ("Africa/Casablanca", 1),
    ("Africa/Lagos", 1),
    ("Africa/Johannesburg", 1),
    ("Africa/Nairobi", 1),
    ("America/New_York", 6),
    ("America/Chicago", 3),
    ("America/Denver", 1),
    ("America/Los_Angeles", 4),
    ("America/Toronto", 2),
    ("America/Mexico_City", 2),
    ("America/Bogota", 1),
    ("America/Sao_Paulo", 3),
    ("America/Santiago", 1),
    ("America/Argentina/Buenos_Aires", 1),
    ("America/St_Johns", 1),
    ("Asia/Dubai", 2),
    ("Asia/Tehran", 1),
    ("Asia/Kolkata", 4),
    ("Asia/Kathmandu", 1),
    ("Asia/Dhaka", 1),
    ("Asia/Bangkok", 1),
    ("Asia/Ho_Chi_Minh", 2),
    ("Asia/Shanghai", 3),
    ("Asia/Singapore", 2),
    ("Asia/Tokyo", 3),
    ("Asia/Seoul", 1),
    ("Australia/Sydney", 2),
    ("Australia/Adelaide", 1),
    ("Australia/Perth", 1),
    ("Pacific/Auckland", 1),
    ("Pacific/Honolulu", 1),
]
# the hour people read at: mornings, lunch and evenings
HOUR_WEIGHTS = [1, 0.5, 0.3, 0.3, 0.3, 0.5, 2, 5, 6, 4, 3, 3, 4, 3, 2, 2, 2, 2, 3, 4, 5, 5, 4, 2]
OFFSETS = (-2, -1, 0, 1, 2)
# --scatter wide: every contact starts a session in its habit's hour 46% of the time only
WIDE_OFFSET_WEIGHTS = (0.07, 0.2, 0.46, 0.2, 0.07)
# --scatter habits: a per-contact punctuality, the share of its sessions that start
# in the habit's hour, uniform in PUNCTUALITY; the rest one hour off (80%) or two (20%)
PUNCTUALITY = (0.55, 0.9)
SCATTER_LAWS = {
    "habits": "each contact 55-90% punctual in its habit's hour, the rest 1 h off (4/5) or 2 h",
    "wide": "every contact 46% in its habit's hour, 20% 1 h early, 20% 1 h late, 7% 2 h early, 7% 2 h late",
}


def offset_weights(rng, scatter):
    if scatter == "wide":
        return WIDE_OFFSET_WEIGHTS
    punctual = rng.uniform(*PUNCTUALITY)
    near, far = (1 - punctual) * 0.4, (1 - punctual) * 0.1
    return (far, near, punctual, near, far)


SEEN_AT_SESSION = 0.85
DELIVERY_DELAY_HOURS = 25 / 60
WAKING = range(7, 23)
SENDS_MEAN = 7.0


def utc_hours(moment):
    return (moment - EPOCH).total_seconds() / 3600.0


def to_datetime(hours):
    return EPOCH + timedelta(hours=hours)


class Zone:
    """Offsets of one zone, cached per UTC hour (DST changes fall on whole hours)."""

    def __init__(self, name):
        self.zone = ZoneInfo(name)
        self.cache = {}

    def offset(self, utc):
        key = math.floor(utc)
        if key not in self.cache:
            moment = to_datetime(key).replace(tzinfo=UTC).astimezone(self.zone)
            self.cache[key] = moment.utcoffset().total_seconds() / 3600.0
        return self.cache[key]

    def to_utc(self, local):
        return local - self.offset(local - self.offset(local))


def company_sends():
    """UTC hours of the Tuesday 10:00 Brussels sends of the last 52 weeks, and of the other send hours."""
    brussels = ZoneInfo(COMPANY_ZONE)
    newest = NOW.date() - timedelta(days=(NOW.weekday() - COMPANY_WEEKDAY) % 7)
    tuesdays = []
    for week in range(52):
        day = newest - timedelta(weeks=week)
        local = datetime(day.year, day.month, day.day, COMPANY_HOUR, tzinfo=brussels)
        tuesdays.append(utc_hours(local.astimezone(UTC).replace(tzinfo=None)))
    return tuesdays, brussels


def other_send(rng, brussels):
    while True:
        day = NOW.date() - timedelta(days=rng.randrange(1, 365))
        if day.weekday() < 5 and day.weekday() != COMPANY_WEEKDAY:
            break
    local = datetime(day.year, day.month, day.day, rng.randrange(8, 19), rng.randrange(60), tzinfo=brussels)
    return utc_hours(local.astimezone(UTC).replace(tzinfo=None))


def habit_slots(rng, count):
    days = rng.sample(range(7), count)
    return [day * 24 + rng.choices(range(24), HOUR_WEIGHTS)[0] for day in days]


class Contact:
    __slots__ = ("zone", "habits", "old_habits", "changed", "background", "interest", "at_delivery")
    __slots__ += ("sends", "opens", "opened", "habit_reads", "weeks", "rng", "offset_weights")

    def __init__(self, rng, zone_name, background, scatter):
        self.rng = rng
        self.zone = zone_name
        self.offset_weights = offset_weights(rng, scatter)
        count = 1 if rng.random() < 0.65 else 2
        first = rng.uniform(0.7, 0.95)
        kept = [first, first * rng.uniform(0.3, 0.7)][:count]
        self.habits = list(zip(habit_slots(rng, count), kept, strict=True))
        self.changed = None
        self.old_habits = None
        if rng.random() < 0.15:
            self.changed = utc_hours(NOW) - 24 * rng.uniform(120, 240)
            self.old_habits = list(zip(habit_slots(rng, count), kept, strict=True))
        self.background = rng.uniform(0, background)
        self.interest = rng.uniform(0.3, 0.9)
        self.at_delivery = rng.uniform(0.2, 0.5)
        self.weeks = {}

    @property
    def planted(self):
        return self.habits[0][0]

    def week_sessions(self, week):
        """Local hours of the reading sessions of local week ``week`` (drawn once, shared by all messages)."""
        if week not in self.weeks:
            rng = self.rng
            start = week * SLOTS
            habits = self.habits
            if self.changed is not None and start < self.changed:
                habits = self.old_habits
            sessions = []
            for rank, (slot, kept) in enumerate(habits):
                if rng.random() < kept:
                    offset = rng.choices(OFFSETS, self.offset_weights)[0]
                    primary = rank == 0 and habits is self.habits
                    sessions.append((start + slot + offset + rng.random(), primary))
            count = _poisson(rng, self.background)
            for _index in range(count):
                sessions.append((start + rng.randrange(7) * 24 + rng.uniform(WAKING.start, WAKING.stop), False))
            sessions.sort()
            self.weeks[week] = sessions
        return self.weeks[week]

    def read_after(self, local):
        """(local hour, whether at the planted habit) of the first session within a week after ``local``
        at which the message is opened, or (None, False)."""
        week = math.floor(local / SLOTS)
        for current in range(week - 1, week + 2):
            for session, primary in self.week_sessions(current):
                if local < session < local + SLOTS and self.rng.random() < SEEN_AT_SESSION:
                    return session, primary
        return None, False


def _poisson(rng, mean):
    count, threshold, product = 0, math.exp(-mean), rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def generate(size, seed, background=0.0, mean_sends=SENDS_MEAN, scatter="wide"):
    rng = random.Random(seed)
    tuesdays, brussels = company_sends()
    names = [name for name, _weight in ZONES]
    weights = [weight for _name, weight in ZONES]
    zones = {name: Zone(name) for name in names}
    contacts = []
    for _index in range(size):
        contact = Contact(rng, rng.choices(names, weights)[0], background, scatter)
        zone = zones[contact.zone]
        count = min(len(tuesdays), 1 + int(rng.expovariate(1 / (mean_sends - 1))))
        company = sum(1 for _send in range(count) if rng.random() < COMPANY_SHARE)
        sends = rng.sample(tuesdays, min(company, len(tuesdays)))
        sends += [other_send(rng, brussels) for _send in range(count - company)]
        sends.sort()
        opens = []
        opened = 0
        habit_reads = []
        for sent in sends:
            if rng.random() >= contact.interest:
                continue
            if rng.random() < contact.at_delivery:
                read = sent + rng.expovariate(1 / DELIVERY_DELAY_HOURS)
            else:
                local, primary = contact.read_after(sent + zone.offset(sent))
                if local is None:
                    continue
                read = zone.to_utc(local)
                if primary:
                    habit_reads.append(local)
            if read > utc_hours(NOW):
                continue
            opened += 1
            opens.append(read)
            if rng.random() < 0.25:
                opens.append(read + rng.uniform(1, 10) / 60)
        contact.sends = [to_datetime(sent) for sent in sends]
        contact.opens = [to_datetime(read) for read in sorted(opens)]
        contact.opened = opened
        contact.habit_reads = habit_reads
        contact.weeks = None
        contacts.append(contact)
    return contacts


def open_chance(contact, slot, within):
    """Chance that a message landing at local ``slot`` is opened within ``within`` hours.

    From the planted behaviour: an interesting message is read at delivery (the contact's
    share) or at a session in the next ``within`` hours (habits and background checks)."""
    miss = 1.0
    for habit, kept in contact.habits:
        law = zip(OFFSETS, contact.offset_weights, strict=True)
        inside = sum(weight for offset, weight in law if (habit + offset - slot) % SLOTS < within)
        miss *= 1 - SEEN_AT_SESSION * kept * inside
    waking = sum(1 for hour in range(slot, slot + within) if hour % 24 in WAKING)
    miss *= math.exp(-SEEN_AT_SESSION * contact.background / (7 * len(WAKING)) * waking)
    return contact.interest * (contact.at_delivery + (1 - contact.at_delivery) * (1 - miss))


def ceiling_share(contact):
    """Share of the best guesses that hit the planted slot for an observer who knows which opens were
    the planted habit's reads and the noise law (maximum likelihood, ties shared): what the data allows."""
    hours = [math.floor(read) % SLOTS for read in contact.habit_reads]
    if not hours:
        return 0.0
    law = dict(zip(OFFSETS, contact.offset_weights, strict=True))

    def offset(hour, centre):
        return (hour - centre + SLOTS // 2) % SLOTS - SLOTS // 2

    scores = {}
    for centre in {(hour + shift) % SLOTS for hour in hours for shift in OFFSETS}:
        if all(offset(hour, centre) in law for hour in hours):
            scores[centre] = sum(math.log(law[offset(hour, centre)]) for hour in hours)
    if not scores:
        return 0.0
    top = max(scores.values())
    best = [centre for centre, score in scores.items() if score >= top - 1e-9]
    return 1.0 / len(best) if contact.planted in best else 0.0


PLANTED_KINDS = ("one habit", "one habit, changed months ago", "two habits", "two habits, changed months ago")


def planted_kind(contact):
    kind = "one habit" if len(contact.habits) == 1 else "two habits"
    return kind + (", changed months ago" if contact.changed is not None else "")


def distance(slot, other):
    gap = abs(slot - other) % SLOTS
    return min(gap, SLOTS - gap)


def buckets_of(contact):
    if contact.opened == 0:
        return ["0 opens", "all"]
    if contact.opened <= 4:
        return ["1-4 opens", "all"]
    return ["5+ opens", "5-9 opens" if contact.opened <= 9 else "10+ opens", "all"]


BUCKETS = ("0 opens", "1-4 opens", "5+ opens", "5-9 opens", "10+ opens", "all")
METHODS = ("estimator", "mode of open hours", "skipping first hour")
WITHIN = (3, 24)
CONFIDENCE_BINS = ((0.0, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, 1.01))


def percent(part, whole):
    return "%.1f%%" % (100.0 * part / whole) if whole else "n/a"


def ratio(value, base):
    return "%.2f" % (value / base) if base else "n/a"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--background", type=float, default=0.0, help="background inbox checks a week, at most")
    parser.add_argument(
        "--scatter",
        choices=("both", "habits", "wide"),
        default="both",
        help="how far sessions stray from the habit's hour: a punctuality per contact (habits), 46%% in the"
        " habit's hour for all (wide), or one run of each (both, the default)",
    )
    args = parser.parse_args()
    for scatter in ("habits", "wide") if args.scatter == "both" else (args.scatter,):
        print("## Scatter law: %s (%s)" % (scatter, SCATTER_LAWS[scatter]))
        print()
        run(args, scatter)
        print()


def run(args, scatter):
    start = time.perf_counter()
    contacts = generate(args.contacts, args.seed, background=args.background, scatter=scatter)
    sends = sum(len(contact.sends) for contact in contacts)
    opens = sum(len(contact.opens) for contact in contacts)
    events = sends + opens
    at_delivery = sum(
        1
        for contact in contacts
        for read in contact.opens
        for previous in [bisect.bisect_right(contact.sends, read) - 1]
        if previous >= 0 and (read - contact.sends[previous]).total_seconds() < 3600
    )
    company = sum(1 for contact in contacts for sent in contact.sends if sent.weekday() == COMPANY_WEEKDAY)
    print(
        "generated %d contacts in %.1f s: %d sends (%s on the company's Tuesday hour), %d opens/clicks (%s within"
        " 1 h of a send), %d events; background checks up to %.1f a week"
        % (
            len(contacts),
            time.perf_counter() - start,
            sends,
            percent(company, sends),
            opens,
            percent(at_delivery, opens),
            events,
            args.background,
        ),
        flush=True,
    )

    histories = [(contact.sends, contact.opens, contact.zone) for contact in contacts]
    timings = {}
    began = time.perf_counter()
    prior = send_time.population_prior(histories, now=NOW)
    timings["population prior (once)"] = time.perf_counter() - began
    law = zip(range(-send_time.SCATTER_HOURS, send_time.SCATTER_HOURS + 1), prior.scatter, strict=True)
    print(
        "scatter law learned by population_prior (offset from the habit's hour: share): "
        + ", ".join("%+d h: %.3f" % (offset, share) for offset, share in law)
    )
    began = time.perf_counter()
    found = {"estimator": [send_time.best_send_slot(s, o, tz, prior=prior, now=NOW) for s, o, tz in histories]}
    timings["estimator (best_send_slot)"] = time.perf_counter() - began
    began = time.perf_counter()
    found["mode of open hours"] = [send_time.mode_of_open_hours(o, tz) for _s, o, tz in histories]
    timings["mode of open hours"] = time.perf_counter() - began
    began = time.perf_counter()
    found["skipping first hour"] = [send_time.mode_skipping_first_hour(s, o, tz) for s, o, tz in histories]
    timings["skipping first hour"] = time.perf_counter() - began

    counts = dict.fromkeys(BUCKETS, 0)
    hits = {(bucket, method, near): 0 for bucket in BUCKETS for method in METHODS for near in (0, 1)}
    ceiling = dict.fromkeys(BUCKETS, 0.0)
    confidence = dict.fromkeys(BUCKETS, 0.0)
    replay = {(bucket, within): [0.0] * 5 for bucket in BUCKETS for within in WITHIN}
    calibration = {bounds: [0, 0, 0] for bounds in CONFIDENCE_BINS}
    by_kind = {}  # 5+ opens, by what was planted: [contacts, estimator exact, ceiling]
    company_moment = datetime(2025, 11, 25, COMPANY_HOUR, tzinfo=ZoneInfo(COMPANY_ZONE)).astimezone(UTC)
    for index, contact in enumerate(contacts):
        company_slot = send_time.local_slot(company_moment, contact.zone)
        estimate = found["estimator"][index]
        slots = {method: found[method][index].slot if found[method][index] else None for method in METHODS}
        chosen = [
            estimate.slot,
            company_slot,
            contact.planted,
            slots["mode of open hours"] if slots["mode of open hours"] is not None else company_slot,
            slots["skipping first hour"] if slots["skipping first hour"] is not None else company_slot,
        ]
        chances = {within: [open_chance(contact, slot, within) for slot in chosen] for within in WITHIN}
        best_ceiling = ceiling_share(contact)
        for bucket in buckets_of(contact):
            counts[bucket] += 1
            ceiling[bucket] += best_ceiling
            confidence[bucket] += estimate.confidence
            for method, slot in slots.items():
                if slot is not None:
                    hits[bucket, method, 0] += slot == contact.planted
                    hits[bucket, method, 1] += distance(slot, contact.planted) <= 1
            for within in WITHIN:
                row = replay[bucket, within]
                for position, chance in enumerate(chances[within]):
                    row[position] += chance
        if contact.opened >= 5:
            row = by_kind.setdefault(planted_kind(contact), [0, 0, 0.0])
            row[0] += 1
            row[1] += estimate.slot == contact.planted
            row[2] += best_ceiling
        if contact.opened:
            for bounds, row in calibration.items():
                if bounds[0] <= estimate.confidence < bounds[1]:
                    row[0] += 1
                    row[1] += estimate.slot == contact.planted
                    row[2] += distance(estimate.slot, contact.planted) <= 1

    print()
    print("### Planted slot recovered (%d contacts, %d events)" % (len(contacts), events))
    print()
    print(
        "| history (opened messages) | contacts | found | estimator | mode of open hours | ratio |"
        " skipping first hour | ratio | knowing the habit reads (ceiling) | mean confidence |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for bucket in BUCKETS:
        count = counts[bucket]
        for near, label in ((0, "exact hour of the week"), (1, "within ±1 h")):
            ours, mode, skip = (hits[bucket, method, near] for method in METHODS)
            print(
                "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |"
                % (
                    bucket,
                    count,
                    label,
                    percent(ours, count),
                    percent(mode, count),
                    ratio(ours, mode),
                    percent(skip, count),
                    ratio(ours, skip),
                    percent(ceiling[bucket], count) if not near else "",
                    "%.2f" % (confidence[bucket] / count) if count and not near else "",
                )
            )
    print()
    print("### 5+ opens, by what was planted (exact hour of the week)")
    print()
    print("| planted | contacts | share | estimator | knowing the habit reads (ceiling) |")
    print("|---|---|---|---|---|")
    with_five = counts["5+ opens"]
    for kind in PLANTED_KINDS:
        count, found_here, ceiling_here = by_kind.get(kind, (0, 0, 0.0))
        print(
            "| %s | %d | %s | %s | %s |"
            % (kind, count, percent(count, with_five), percent(found_here, count), percent(ceiling_here, count))
        )
    print()
    print("### Replay: expected open rate of one message by where it lands (planted behaviour)")
    print()
    print(
        "| history | contacts | opened within | recommended slot | company's hour (Tue 10:00 Brussels) | ratio |"
        " planted slot | mode of open hours | skipping first hour |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for bucket in ("0 opens", "1-4 opens", "5+ opens", "all"):
        for within in WITHIN:
            ours, company_rate, planted, mode, skip = replay[bucket, within]
            count = counts[bucket]
            print(
                "| %s | %d | %d h | %s | %s | %s | %s | %s | %s |"
                % (
                    bucket,
                    count,
                    within,
                    percent(ours, count),
                    percent(company_rate, count),
                    ratio(ours, company_rate),
                    percent(planted, count),
                    percent(mode, count),
                    percent(skip, count),
                )
            )
    print()
    print("### Confidence (contacts with at least one open)")
    print()
    print("| confidence | contacts | exact hour found | within ±1 h |")
    print("|---|---|---|---|")
    for (low, high), (count, exact, near) in calibration.items():
        shown = (low, min(high, 1.0), count, percent(exact, count), percent(near, count))
        print("| %.2f–%.2f | %d | %s | %s |" % shown)
    print()
    print("### Compute time (pure function calls, one process, no database)")
    print()
    print("| measure | data | time | per contact | ratio to mode of open hours |")
    print("|---|---|---|---|---|")
    base = timings["mode of open hours"]
    for label, seconds in timings.items():
        print(
            "| %s | %d contacts, %d events | %.2f s | %.1f us | %s |"
            % (label, len(contacts), events, seconds, 1e6 * seconds / len(contacts), ratio(seconds, base))
        )


if __name__ == "__main__":
    main()
