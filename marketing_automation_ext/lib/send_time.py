"""Best send time per contact: the local hour of the week in which a contact reads.

Pure functions, no database: the models and the cron call them with each contact's
send and open/click times (UTC) and time zone; ``tests/test_send_time_math.py`` and
``bench/bench_send_time.py`` check them.

The week has 168 slots (``weekday * 24 + hour`` in the contact's local time, Monday 0).

The trap
--------
Most opens come in the first hour after a message lands, whatever the hour: the
reader happened to be looking at the inbox, or the phone rang. Open times therefore
pile up after the company's usual send hour, and the vendors' rule "the hour in which
most past opens fell" (``mode_of_open_hours``) learns the sender's habit back. Dropping
the opens of the first hour (``mode_skipping_first_hour``) removes that pile but still
counts only where opens fell, not where they *could* have fallen: a reader can only
open in the hours after a message arrived and before she read it, so the hours right
after the usual send hour are over-watched and the hours before it are hardly watched
at all. And a reader with two habits (say Monday 8:00 and Thursday 23:00) who always
receives mail on Tuesday only ever shows the Thursday one, since the inbox is empty
again by Monday.

The estimator (``best_send_slot``)
----------------------------------
It estimates, for every slot ``h``, the chance that the contact reads within the few
hours around ``h`` *given that unread mail was waiting*: a hazard rate with the
exposure counted, as in survival analysis.

1. Times are converted to the contact's local wall clock (DST included: each moment
   with the offset in force then). Naive datetimes are UTC.
2. Exposure. Unread mail is waiting from ``DELIVERY_HOURS`` after a send until the next
   open (any open: the reader has been at the inbox), the next send, or
   ``PENDING_HOURS`` (a week; after that the message is buried). Each whole local hour
   ``t`` in that span is a *window* ``[t, t + 2W + 1)`` centred on slot ``t + W``
   (``W = WINDOW_HOURS``) that was watched: it adds the send's weight to that slot's
   exposure ``E``.
3. Reads. The open that ended the wait counts in the windows that contain it, weighted
   by the kernel ``KERNEL`` on its distance to the window's centre (smoothing over the
   neighbouring hours, so a habit read at 22:40 one week and 23:50 the next adds up in
   one slot): ``N[centre] += weight * KERNEL[distance]``. The kernel is nearly flat,
   so ``N / E`` is close to "the chance of a read within the ``2W + 1`` hours around
   ``h`` when mail was waiting at their start", which a read early in the window (it
   ends the wait) does not bias towards the window's end; its slight peak places the
   hour.
4. Reads at delivery are not habits: an open within ``DELIVERY_HOURS`` after a send
   (the latest one before it) neither counts in ``N`` nor leaves its windows in ``E``
   (they are censored: we cannot know whether the reader would have come by anyway).
   Waits start only ``DELIVERY_HOURS`` after a send for the same reason.
5. Recency. Each send's exposure and read are weighted by
   ``0.5 ** (age / half_life)``, the age measured from ``now`` (the latest event when
   not given); half-life ``HALF_LIFE_DAYS`` (180 days: on the benchmark's year of
   history, 90 days loses 2–3 points of recovery for steady readers and wins them back
   only for the ones whose habit changed).
6. Shrinkage. A population prior ``pi`` (168 weights, ``population_prior``: the same
   ``N / E`` summed over all contacts, in each one's local time) gives each slot a
   prior rate ``mu_h = rho * 168 * pi_h`` at the contact's own overall level ``rho``,
   worth ``PRIOR_STRENGTH`` message-weeks of exposure (a Gamma-Poisson posterior mean):
   ``rate_h = (N_h + a * mu_h) / (E_h + a)``. With no history the prior decides; a
   slot never watched keeps its prior rate.
7. The slot with the highest posterior rate wins. Confidence is the posterior
   evidence that it beats the best slot more than ``WINDOW_HOURS`` away: with
   ``z = (r1 - r2) / sqrt(v1 + v2)`` (Gamma posterior variances), ``erf(z / sqrt 2)``
   (i.e. ``2 * Phi(z) - 1``), times ``n / (n + 1)`` for the contact's own ``n`` habit
   reads. It is in [0, 1], grows with the amount of history and with how peaked it is,
   and is 0 on the prior alone.

A two-habit reader is handled by step 2: after the Thursday read nothing is waiting,
so the Monday slot is watched only in the weeks Thursday was skipped; its rate is
opens over *those* weeks, not over all weeks.

How well it does: ``bench/bench_send_time.py`` plants habits and prints how often
they are found, by this estimator and by the two vendors' rules (figures in
``bench/README.md``). When reading times scatter by an hour or two, even an observer
who knows which opens were habit reads finds the exact hour only about two times in
three with 5–10 of them; the hour within ±1 is the more telling figure.

The time zone: ``contact_zone`` resolves the contact's ``tz``, else its country's main
zone, else the company's, else UTC.
"""

import bisect
import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from functools import lru_cache
from itertools import accumulate
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SLOTS = 168
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HALF_LIFE_DAYS = 180.0
DELIVERY_HOURS = 2.0  # an open this soon after a send is a read at delivery, not a habit
PENDING_HOURS = 168.0  # unread mail waits a week at most, then it is buried
WINDOW_HOURS = 2  # a slot's window spans this many hours on each side
KERNEL = (0.7, 0.9, 1.0, 0.9, 0.7)  # weight of a read by its distance (hours) to the window's centre
PRIOR_STRENGTH = 2.0  # the prior weighs as much as this many message-weeks of exposure
PRIOR_RATE = 0.05  # the overall read rate assumed for a contact without history
SKIP_FIRST_HOURS = 1.0  # the vendors' rule drops opens this soon after a send
EPOCH = datetime(2001, 1, 1)  # a Monday, 00:00: local hours are counted from it
UTC = timezone.utc
EPOCH_UTC = EPOCH.replace(tzinfo=UTC)
HOUR = 3600.0

assert len(KERNEL) == 2 * WINDOW_HOURS + 1


@dataclass(frozen=True)
class SendSlot:
    """A local hour of the week: ``weekday`` 0 = Monday … 6, ``hour`` 0–23, ``confidence`` 0–1."""

    weekday: int
    hour: int
    confidence: float

    @property
    def slot(self):
        """The slot index, ``weekday * 24 + hour`` (0–167)."""
        return self.weekday * 24 + self.hour

    @classmethod
    def from_slot(cls, slot, confidence):
        slot %= SLOTS
        return cls(slot // 24, slot % 24, min(1.0, max(0.0, confidence)))

    def label(self):
        """``Thu 23:00–00:00``."""
        return "%s %02d:00–%02d:00" % (WEEKDAYS[self.weekday], self.hour, (self.hour + 1) % 24)


def contact_zone(tz, country_code=None, company_tz=None):
    """The IANA zone to read a contact's habits in.

    The contact's own ``tz`` when it is a known zone, else the main zone of its country
    (the first of ``pytz.country_timezones``, e.g. ``America/New_York`` for US), else
    the company's ``company_tz``, else ``"UTC"``.
    """
    if _known_zone(tz):
        return tz
    if country_code:
        import pytz  # only this helper needs it: the estimator itself runs on the standard library

        zones = pytz.country_timezones.get(country_code.upper()) or []
        if zones and _known_zone(zones[0]):
            return zones[0]
    if _known_zone(company_tz):
        return company_tz
    return "UTC"


def _known_zone(name):
    return bool(name) and _zone(name) is not None


@lru_cache(maxsize=1024)
def _zone(name):
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _aware(moment):
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _utc_hours(moment):
    """Hours since ``EPOCH`` (UTC) of a naive-UTC or aware datetime."""
    return (_aware(moment) - EPOCH_UTC).total_seconds() / HOUR


def _local_hours(moments, zone):
    """(utc hours, local wall-clock hours) since ``EPOCH`` of ``moments``, in time order."""
    zone = _zone(zone) or UTC
    result = []
    for moment in moments:
        aware = _aware(moment)
        offset = aware.astimezone(zone).utcoffset().total_seconds() / HOUR
        utc = (aware - EPOCH_UTC).total_seconds() / HOUR
        result.append((utc, utc + offset))
    result.sort()
    return result


def local_slot(moment, tz):
    """The local slot (0–167) of one UTC datetime in zone ``tz``."""
    return int(math.floor(_local_hours([moment], tz)[0][1])) % SLOTS


def _decay(age_hours, half_life_days):
    if not half_life_days or age_hours <= 0:
        return 1.0
    return 0.5 ** (age_hours / (24.0 * half_life_days))


def slot_evidence(sends, opens, tz, now=None, half_life_days=HALF_LIFE_DAYS):
    """(``N``, ``E``, reads): the weighted habit reads and exposure per slot (steps 1–5).

    ``N`` and ``E`` are lists of 168 floats; ``reads`` counts the opens that ended a wait
    (habit reads, not reads at delivery).
    """
    send_times = _local_hours(sends, tz)
    open_times = _local_hours(opens, tz)
    if not send_times:
        return [0.0] * SLOTS, [0.0] * SLOTS, 0
    send_utc = [utc for utc, _local in send_times]
    send_local = [local for _utc, local in send_times]
    open_utc = [utc for utc, _local in open_times]
    open_local = [local for _utc, local in open_times]
    if now is None:
        now_utc = max(send_utc[-1], open_utc[-1] if open_utc else send_utc[-1])
    else:
        now_utc = _utc_hours(now)
    numerator = [0.0] * SLOTS
    diff = [0.0] * (SLOTS + 1)
    everywhere = 0.0
    reads = 0
    for index, (sent_utc, sent) in enumerate(send_times):
        weight = _decay(now_utc - sent_utc, half_life_days)
        end = sent + PENDING_HOURS
        if index + 1 < len(send_times):
            end = min(end, send_local[index + 1])
        position = bisect.bisect_right(open_utc, sent_utc)
        read = None
        if position < len(open_utc):
            read_utc, read = open_utc[position], open_local[position]
            end = min(end, read)
            previous_send = bisect.bisect_right(send_utc, read_utc) - 1
            if read_utc - send_utc[previous_send] < DELIVERY_HOURS:
                # a read at delivery: the windows holding it are censored
                end = min(end, math.floor(read) - 2 * WINDOW_HOURS)
                read = None
        first = math.ceil(sent + DELIVERY_HOURS)
        last = math.ceil(end)  # window starts t with first <= t < end
        if last > first:
            length = last - first
            full, rest = divmod(length, SLOTS)
            everywhere += full * weight
            if rest:
                start = (first + WINDOW_HOURS) % SLOTS
                diff[start] += weight
                if start + rest <= SLOTS:
                    diff[start + rest] -= weight
                else:
                    diff[SLOTS] -= weight
                    diff[0] += weight
                    diff[start + rest - SLOTS] -= weight
        if read is not None and read < sent + PENDING_HOURS:
            read_hour = math.floor(read)
            starts = range(max(first, read_hour - 2 * WINDOW_HOURS), min(last, read_hour + 1))
            if starts:
                reads += 1
            for start in starts:
                numerator[(start + WINDOW_HOURS) % SLOTS] += weight * KERNEL[read_hour - start]
    diff[0] += everywhere
    exposure = [value if value > 0.0 else 0.0 for value in accumulate(diff[:SLOTS])]
    return numerator, exposure, reads


def _normalised(prior):
    if prior is None:
        return _FLAT
    return _normalised_weights(tuple(prior))


@lru_cache(maxsize=16)
def _normalised_weights(prior):
    if len(prior) != SLOTS:
        raise ValueError("a send-time prior has %d weights, one per hour of the week" % SLOTS)
    weights = [max(float(value), 0.0) for value in prior]
    total = sum(weights)
    if total <= 0:
        return _FLAT
    return tuple(value / total for value in weights)


_FLAT = (1.0 / SLOTS,) * SLOTS


def population_prior(histories, now=None, half_life_days=HALF_LIFE_DAYS):
    """168 weights (sum 1): where the population reads, per local slot, exposure corrected.

    ``histories`` yields ``(sends, opens, tz)`` per contact. Each contact's ``N`` and ``E``
    (see the module's docstring) are summed slot by slot in its own local time; the
    weights are ``(sum N + 1 / 168) / (sum E + 1)`` (so no slot is ever 0), normalised.
    """
    numerator = [0.0] * SLOTS
    exposure = [0.0] * SLOTS
    for sends, opens, tz in histories:
        reads, watched, _count = slot_evidence(sends, opens, tz, now=now, half_life_days=half_life_days)
        for slot in range(SLOTS):
            numerator[slot] += reads[slot]
            exposure[slot] += watched[slot]
    rates = [(numerator[slot] + 1.0 / SLOTS) / (exposure[slot] + 1.0) for slot in range(SLOTS)]
    return tuple(_normalised(rates))


def best_send_slot(sends, opens, tz, prior=None, now=None, half_life_days=HALF_LIFE_DAYS):
    """The local hour of the week in which the contact most likely reads (see the module's docstring).

    :param sends: UTC datetimes (naive = UTC, or aware) of the messages sent to the contact
    :param opens: UTC datetimes of its opens and clicks
    :param tz: IANA zone name of the contact (``contact_zone``); None or unknown = UTC
    :param prior: 168 population weights (``population_prior``); None = flat
    :param now: the moment ages are measured from; default the latest send or open
    :return: a ``SendSlot`` (local weekday, local hour, confidence 0–1)
    """
    numerator, exposure, reads = slot_evidence(sends, opens, tz, now=now, half_life_days=half_life_days)
    shape = _normalised(prior)
    total_reads, total_exposure = sum(numerator), sum(exposure)
    strength = PRIOR_STRENGTH * SLOTS
    level = (total_reads + PRIOR_RATE * strength) / (total_exposure + strength)
    alphas = [PRIOR_STRENGTH * level * SLOTS * weight for weight in shape]
    rates = [(numerator[slot] + alphas[slot]) / (exposure[slot] + PRIOR_STRENGTH) for slot in range(SLOTS)]
    best = max(range(SLOTS), key=rates.__getitem__)
    rival = max(_AWAY[best], key=rates.__getitem__)

    def variance(slot):
        return (numerator[slot] + alphas[slot]) / (exposure[slot] + PRIOR_STRENGTH) ** 2

    spread = math.sqrt(variance(best) + variance(rival))
    z_score = (rates[best] - rates[rival]) / spread if spread > 0 else 0.0
    evidence = reads / (reads + 1.0)
    return SendSlot.from_slot(best, evidence * math.erf(max(z_score, 0.0) / math.sqrt(2.0)))


def _distance(slot, other):
    gap = abs(slot - other) % SLOTS
    return min(gap, SLOTS - gap)


# per slot, the slots more than WINDOW_HOURS away from it (where a rival habit may be)
_AWAY = tuple(tuple(other for other in range(SLOTS) if _distance(slot, other) > WINDOW_HOURS) for slot in range(SLOTS))


def _mode(slots, recency):
    """The most frequent slot; ties go to the one read most recently. Confidence: its share."""
    if not slots:
        return None
    counts = {}
    for slot in slots:
        counts[slot] = counts.get(slot, 0) + 1
    best = max(counts, key=lambda slot: (counts[slot], recency[slot]))
    return SendSlot.from_slot(best, counts[best] / len(slots))


def mode_of_open_hours(opens, tz):
    """Vendors' rule: the local hour of the week in which most opens fell (None without opens)."""
    times = _local_hours(opens, tz)
    slots = [int(math.floor(local)) % SLOTS for _utc, local in times]
    recency = {slot: utc for slot, (utc, _local) in zip(slots, times, strict=True)}
    return _mode(slots, recency)


def mode_skipping_first_hour(sends, opens, tz):
    """Vendors' rule: the same, leaving out the opens within an hour after a send.

    When every open was within that hour, all of them are used (None without opens).
    """
    send_utc = [utc for utc, _local in _local_hours(sends, tz)]
    times = _local_hours(opens, tz)
    kept = []
    for utc, local in times:
        previous = bisect.bisect_right(send_utc, utc) - 1
        if previous < 0 or utc - send_utc[previous] >= SKIP_FIRST_HOURS:
            kept.append((utc, local))
    kept = kept or times
    slots = [int(math.floor(local)) % SLOTS for _utc, local in kept]
    recency = {slot: utc for slot, (utc, _local) in zip(slots, kept, strict=True)}
    return _mode(slots, recency)


def next_slot_time(now_utc, weekday, hour, tz_name, horizon):
    """The first moment at or after ``now_utc`` that is ``weekday`` ``hour``:00 in ``tz_name``.

    What a journey step "at the contact's best time" waits for: the start of the
    contact's best local hour of the week (``best_send_slot``), as naive UTC.

    :param now_utc: naive UTC datetime (as Odoo stores it)
    :param weekday: 0 = Monday … 6, in the contact's local time
    :param hour: 0–23, local
    :param tz_name: IANA zone; None or unknown = UTC
    :param horizon: ``timedelta``: the slot must fall within ``now_utc + horizon``
    :return: naive UTC datetime, or None when the slot is beyond the horizon (or the
        weekday / hour is not a valid one)

    DST: each candidate is localised with the offset in force on its own day. An hour
    skipped by a spring-forward change starts when the clocks jump (02:00 → 03:00:
    03:00 local); an hour that happens twice in autumn is its first occurrence.
    """
    import pytz  # as in contact_zone: the estimator itself needs only the standard library

    if weekday is None or hour is None or not 0 <= weekday <= 6 or not 0 <= hour <= 23:
        return None
    zone = pytz.timezone(tz_name) if _known_zone(tz_name) else pytz.utc
    local_now = pytz.utc.localize(now_utc).astimezone(zone)
    day = local_now.date() + timedelta(days=(weekday - local_now.weekday()) % 7)
    # two candidates at most: this week's (if still ahead) or next week's
    for week in (0, 1, 2):
        wall = datetime.combine(day + timedelta(weeks=week), time(hour))
        try:
            aware = zone.localize(wall, is_dst=None)
        except pytz.NonExistentTimeError:
            aware = zone.normalize(zone.localize(wall, is_dst=False))
        except pytz.AmbiguousTimeError:
            aware = zone.localize(wall, is_dst=True)
        moment = aware.astimezone(pytz.utc).replace(tzinfo=None)
        if moment >= now_utc:
            return moment if moment - now_utc <= horizon else None
    return None
