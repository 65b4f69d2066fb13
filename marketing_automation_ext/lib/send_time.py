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
It finds the contact's strongest habit as the few hours of the week with the highest
chance of a read *given that unread mail was waiting* (a hazard rate with the exposure
counted, as in survival analysis), then the habit's own hour within them, as the
posterior mode given how far the population's reads stray from their habit's hour.

1. Times are converted to the contact's local wall clock (DST included: each moment
   with the offset in force then). Naive datetimes are UTC.
2. Exposure. Unread mail is waiting from ``DELIVERY_HOURS`` after a send until the next
   open (any open: the reader has been at the inbox), the next send, or
   ``PENDING_HOURS`` (a week; after that the message is buried). Each whole local hour
   ``t`` in that span is a *window* ``[t, t + 2W + 1)`` centred on slot ``t + W``
   (``W = WINDOW_HOURS``) that was watched: it adds the send's weight to that slot's
   exposure ``E``.
3. Reads. The open that ended the wait counts in the windows that contain it, weighted
   by the kernel ``KERNEL`` on its distance to the window's centre:
   ``N[centre] += weight * KERNEL[distance]``. The kernel is nearly flat, so ``N / E``
   is close to "the chance of a read within the ``2W + 1`` hours around ``h`` when mail
   was waiting at their start", which a read early in the window (it ends the wait)
   does not bias towards the window's end. The read's own hour is kept too, unweighted
   (``read_hours``), for step 8.
4. Reads at delivery are not habits: an open within ``DELIVERY_HOURS`` after a send
   (the latest one before it) neither counts in ``N`` nor leaves its windows in ``E``
   (they are censored: we cannot know whether the reader would have come by anyway).
   Waits start only ``DELIVERY_HOURS`` after a send for the same reason.
5. Recency. Each send's exposure and read are weighted by
   ``0.5 ** (age / half_life)``, the age measured from ``now`` (the latest event when
   not given); half-life ``HALF_LIFE_DAYS`` (180 days: on the benchmark's year of
   history, what a shorter one wins for the readers whose habit changed it loses for
   the steady ones; 365 days loses more).
6. Shrinkage. The population prior (``population_prior``, a ``SendTimePrior``) holds
   168 weights ``pi``: the same ``N / E`` summed over all contacts, in each one's local
   time. It gives each slot a prior rate ``mu_h = rho * 168 * pi_h`` at the contact's own
   overall level ``rho``, worth ``PRIOR_STRENGTH`` message-weeks of exposure (a
   Gamma-Poisson posterior mean): ``rate_h = (N_h + a * mu_h) / (E_h + a)``. With no
   history the prior decides; a slot never watched keeps its prior rate.
7. The habit: the window with the highest posterior rate.
8. Its hour. Reading times scatter around a habit's hour (a session starts a little
   early or late), and the window's smoothed rate does not say where in it the habit
   sits: its centre of mass leans towards the side where the scatter's tail fell. So
   each hour ``c`` within ``W`` of the window's centre gets the log-likelihood of the
   contact's reads near it (their own hours, step 3) under the population's *scatter
   law* ``k`` (the share of habit reads ``d`` hours from the habit's hour, ``d`` within
   ``SCATTER_HOURS``; farther reads, or reads of another habit, weigh
   ``SCATTER_FLOOR``), plus ``log pi_c``: ``sum_reads log(k[r - c] + floor) + log pi_c``;
   the highest wins. For punctual readers this is close to the hour holding most reads;
   for scattered ones, the hour within reach of most of them. Reads are not weighted by
   recency here: a habit's place in the day does not drift the way the habit itself may.
   ``k`` is learned by ``population_prior`` from all contacts (empirical Bayes, by
   expectation-maximisation: the habit's hour of each contact is unknown; given the
   current law each candidate hour gets its posterior weight, the reads' offsets from it
   are counted with that weight, and the counts, made symmetric, are the next law; ten
   rounds from ``DEFAULT_SCATTER``, which is also the law used without a learned one).
   Only what was observed goes in: opens, sends and zones.
9. Confidence: the posterior evidence that the habit's window beats the best window
   more than ``WINDOW_HOURS`` away, with ``z = (r1 - r2) / sqrt(v1 + v2)`` (Gamma
   posterior variances), ``erf(z / sqrt 2)`` (i.e. ``2 * Phi(z) - 1``), times
   ``n / (n + 1)`` for the contact's own ``n`` habit reads, times the posterior chance
   of the chosen hour among the window's hours (step 8). It is in [0, 1], grows with
   the amount of history and with how peaked it is, and is 0 on the prior alone.

A two-habit reader is handled by step 2: after the Thursday read nothing is waiting,
so the Monday slot is watched only in the weeks Thursday was skipped; its rate is
opens over *those* weeks, not over all weeks.

How well it does: ``bench/bench_send_time.py`` plants habits and prints how often
they are found, by this estimator and by the two vendors' rules, under two laws of
reading-time scatter (figures in ``bench/README.md``). With five or more opens it finds
the exact hour for about three contacts in four when each reader keeps to its hour
55–90% of the time (an observer who knows which opens were the habit's reads: five in
six), and within ±1 h for six in seven under either law. What it misses is mostly
beyond the data: the second habit or a habit given up months ago shows the higher read
rate in the contact's own history.

The time zone: ``contact_zone`` resolves the contact's ``tz``, else its country's main
zone, else the company's, else UTC.
"""

import bisect
import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from functools import lru_cache
from itertools import accumulate
from typing import NamedTuple
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
SCATTER_HOURS = 3  # a habit read is learned to stray at most this many hours from the habit's hour
# the scatter law before the population has taught one (offsets -3…+3 h): most reads in the habit's hour
DEFAULT_SCATTER = (0.01, 0.05, 0.16, 0.56, 0.16, 0.05, 0.01)
SCATTER_FLOOR = 0.01  # the likelihood of a read that strays farther (or is no habit read at all)
SCATTER_ROUNDS = 10  # expectation-maximisation rounds that learn the scatter law
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


class Evidence(NamedTuple):
    """One contact's history as the estimator sees it (``slot_evidence``)."""

    numerator: list  # N: 168 weighted habit reads, spread over the windows that hold them
    exposure: list  # E: 168 weighted windows watched with mail waiting
    reads: int  # the opens that ended a wait (habit reads, not reads at delivery)
    read_hours: dict  # {local slot: how many of those reads fell in it} (not weighted)


def slot_evidence(sends, opens, tz, now=None, half_life_days=HALF_LIFE_DAYS):
    """The weighted habit reads and exposure per slot (steps 1–5), an ``Evidence``."""
    send_times = _local_hours(sends, tz)
    open_times = _local_hours(opens, tz)
    if not send_times:
        return Evidence([0.0] * SLOTS, [0.0] * SLOTS, 0, {})
    send_utc = [utc for utc, _local in send_times]
    send_local = [local for _utc, local in send_times]
    open_utc = [utc for utc, _local in open_times]
    open_local = [local for _utc, local in open_times]
    if now is None:
        now_utc = max(send_utc[-1], open_utc[-1] if open_utc else send_utc[-1])
    else:
        now_utc = _utc_hours(now)
    numerator = [0.0] * SLOTS
    read_hours = {}
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
                slot = read_hour % SLOTS
                read_hours[slot] = read_hours.get(slot, 0) + 1
            for start in starts:
                numerator[(start + WINDOW_HOURS) % SLOTS] += weight * KERNEL[read_hour - start]
    diff[0] += everywhere
    exposure = [value if value > 0.0 else 0.0 for value in accumulate(diff[:SLOTS])]
    return Evidence(numerator, exposure, reads, read_hours)


@dataclass(frozen=True)
class SendTimePrior:
    """What the population teaches about every contact: ``population_prior``.

    ``weights``: 168 weights (sum 1), where the population reads per local slot, exposure
    corrected. ``scatter``: the law of a habit read's offset (hours) from the habit's own
    hour, ``-SCATTER_HOURS`` … ``+SCATTER_HOURS`` (sum 1).
    """

    weights: tuple
    scatter: tuple = None

    def __post_init__(self):
        object.__setattr__(self, "weights", _normalised(self.weights))
        object.__setattr__(self, "scatter", _scatter_law(self.scatter))

    def blended(self, trust):
        """This prior trusted ``trust`` (0–1), the rest flat weights and the default scatter."""
        trust = min(1.0, max(0.0, trust))
        pairs = zip(self.scatter, DEFAULT_SCATTER, strict=True)
        return SendTimePrior(
            tuple(trust * weight + (1 - trust) / SLOTS for weight in self.weights),
            tuple(trust * mine + (1 - trust) * default for mine, default in pairs),
        )

    def to_json(self):
        """A JSON-ready dict (``from_json`` reads it back)."""
        return {
            "weights": [round(weight, 6) for weight in self.weights],
            "scatter": [round(share, 6) for share in self.scatter],
        }

    @classmethod
    def from_json(cls, value):
        """A prior from ``to_json``'s dict, or from a bare list of 168 weights (priors stored before
        the scatter was learned: the default scatter); None when ``value`` is neither."""
        try:
            if isinstance(value, dict):
                return cls(tuple(value["weights"]), value.get("scatter"))
            if isinstance(value, (list, tuple)):
                return cls(tuple(value))
        except (KeyError, TypeError, ValueError):
            return None
        return None


def _as_prior(prior):
    if prior is None:
        return _DEFAULT_PRIOR
    if isinstance(prior, SendTimePrior):
        return prior
    return SendTimePrior(tuple(prior))


def _normalised(weights):
    if weights is None:
        return _FLAT
    return _normalised_weights(tuple(weights))


@lru_cache(maxsize=16)
def _normalised_weights(weights):
    if len(weights) != SLOTS:
        raise ValueError("a send-time prior has %d weights, one per hour of the week" % SLOTS)
    values = [max(float(value), 0.0) for value in weights]
    total = sum(values)
    if total <= 0:
        return _FLAT
    return tuple(value / total for value in values)


def _scatter_law(scatter):
    if scatter is None:
        return DEFAULT_SCATTER
    values = [max(float(value), 0.0) for value in scatter]
    if len(values) != 2 * SCATTER_HOURS + 1:
        raise ValueError("a scatter law has %d shares, one per offset from the habit's hour" % (2 * SCATTER_HOURS + 1))
    # symmetric: an early read is as likely as a late one (it keeps the hour's place identifiable)
    values = [(value + mirror) / 2 for value, mirror in zip(values, reversed(values), strict=True)]
    total = sum(values)
    if total <= 0:
        return DEFAULT_SCATTER
    return tuple(value / total for value in values)


_FLAT = (1.0 / SLOTS,) * SLOTS


def population_prior(histories, now=None, half_life_days=HALF_LIFE_DAYS):
    """A ``SendTimePrior``: where the population reads, and how far its reads stray from their habit's hour.

    ``histories`` yields ``(sends, opens, tz)`` per contact. Weights: each contact's ``N``
    and ``E`` (see the module's docstring) summed slot by slot in its own local time,
    ``(sum N + 1 / 168) / (sum E + 1)`` (so no slot is ever 0), normalised. Scatter: learned
    by expectation-maximisation over the contacts with two or more habit reads near one
    another (step 8).
    """
    numerator = [0.0] * SLOTS
    exposure = [0.0] * SLOTS
    patterns = {}
    for sends, opens, tz in histories:
        evidence = slot_evidence(sends, opens, tz, now=now, half_life_days=half_life_days)
        for slot in range(SLOTS):
            numerator[slot] += evidence.numerator[slot]
            exposure[slot] += evidence.exposure[slot]
        pattern = _read_pattern(evidence.read_hours)
        if pattern:
            patterns[pattern] = patterns.get(pattern, 0) + 1
    rates = [(numerator[slot] + 1.0 / SLOTS) / (exposure[slot] + 1.0) for slot in range(SLOTS)]
    return SendTimePrior(tuple(rates), learn_scatter(patterns))


def _read_pattern(read_hours):
    """A contact's habit reads around its densest ``2 * WINDOW_HOURS + 1`` hours, as sorted
    ``(offset from the window's centre, count)`` pairs; None with fewer than two reads there."""
    if sum(read_hours.values()) < 2:
        return None
    best, top = None, 1
    for hour in sorted(read_hours):
        for centre in range(hour - WINDOW_HOURS, hour + WINDOW_HOURS + 1):
            count = sum(read_hours.get((centre + offset) % SLOTS, 0) for offset in _WINDOW)
            if count > top:
                best, top = centre, count
    if best is None:
        return None
    reach = WINDOW_HOURS + SCATTER_HOURS
    return tuple(
        (offset, read_hours[(best + offset) % SLOTS])
        for offset in range(-reach, reach + 1)
        if (best + offset) % SLOTS in read_hours
    )


def learn_scatter(patterns, rounds=SCATTER_ROUNDS):
    """The scatter law that best explains ``patterns`` ({pattern: contacts}, see ``_read_pattern``).

    Expectation-maximisation: the habit's hour is unknown, anywhere from which the pattern's
    reads are within reach (equally likely a priori); given the current law, each candidate
    hour gets its posterior weight, the reads' offsets from it are counted with that weight,
    and the counts, made symmetric and normalised, are the next law. None without patterns.
    """
    if not patterns:
        return None
    candidates = range(-WINDOW_HOURS - SCATTER_HOURS, WINDOW_HOURS + SCATTER_HOURS + 1)
    scatter = DEFAULT_SCATTER
    for _round in range(rounds):
        logs = _log_scatter(scatter)
        counts = [0.0] * len(scatter)
        for pattern, contacts in patterns.items():
            scores = [_placement_score(pattern, centre, logs) for centre in candidates]
            top = max(scores)
            chances = [math.exp(score - top) for score in scores]
            total = sum(chances)
            for centre, chance in zip(candidates, chances, strict=True):
                share = contacts * chance / total
                for offset, count in pattern:
                    gap = offset - centre
                    if -SCATTER_HOURS <= gap <= SCATTER_HOURS:
                        counts[gap + SCATTER_HOURS] += share * count
        if sum(counts) <= 0:
            return None
        scatter = _scatter_law(counts)
    return scatter


@lru_cache(maxsize=16)
def _log_scatter(scatter):
    """{offset: log(share + floor)} for the offsets within reach (a read farther away: log floor)."""
    return {offset - SCATTER_HOURS: math.log(share + SCATTER_FLOOR) for offset, share in enumerate(scatter)}


_LOG_FLOOR = math.log(SCATTER_FLOOR)


def _placement_score(pattern, centre, logs):
    """Log-likelihood of the reads ``pattern`` ((hour, count) pairs) with the habit at ``centre``."""
    return sum(count * logs.get(hour - centre, _LOG_FLOOR) for hour, count in pattern)


def best_send_slot(sends, opens, tz, prior=None, now=None, half_life_days=HALF_LIFE_DAYS):
    """The local hour of the week in which the contact most likely reads (see the module's docstring).

    :param sends: UTC datetimes (naive = UTC, or aware) of the messages sent to the contact
    :param opens: UTC datetimes of its opens and clicks
    :param tz: IANA zone name of the contact (``contact_zone``); None or unknown = UTC
    :param prior: a ``SendTimePrior`` (``population_prior``), or 168 population weights
        (the default scatter law then); None = flat weights, default scatter
    :param now: the moment ages are measured from; default the latest send or open
    :return: a ``SendSlot`` (local weekday, local hour, confidence 0–1)
    """
    prior = _as_prior(prior)
    numerator, exposure, reads, read_hours = slot_evidence(sends, opens, tz, now=now, half_life_days=half_life_days)
    shape = prior.weights
    total_reads, total_exposure = sum(numerator), sum(exposure)
    strength = PRIOR_STRENGTH * SLOTS
    level = (total_reads + PRIOR_RATE * strength) / (total_exposure + strength)
    alphas = [PRIOR_STRENGTH * level * SLOTS * weight for weight in shape]
    rates = [(numerator[slot] + alphas[slot]) / (exposure[slot] + PRIOR_STRENGTH) for slot in range(SLOTS)]
    region = max(range(SLOTS), key=rates.__getitem__)
    rival = max(_AWAY[region], key=rates.__getitem__)

    def variance(slot):
        return (numerator[slot] + alphas[slot]) / (exposure[slot] + PRIOR_STRENGTH) ** 2

    spread = math.sqrt(variance(region) + variance(rival))
    z_score = (rates[region] - rates[rival]) / spread if spread > 0 else 0.0
    evidence = reads / (reads + 1.0)
    hour, placed = _place(region, read_hours, prior)
    return SendSlot.from_slot(hour, evidence * placed * math.erf(max(z_score, 0.0) / math.sqrt(2.0)))


def _place(region, read_hours, prior):
    """(slot, posterior chance) of the habit's own hour within ``WINDOW_HOURS`` of the window ``region`` (step 8)."""
    reach = WINDOW_HOURS + SCATTER_HOURS
    pattern = [
        (offset, read_hours[(region + offset) % SLOTS])
        for offset in range(-reach, reach + 1)
        if (region + offset) % SLOTS in read_hours
    ]
    logs = _log_scatter(prior.scatter)
    scores = [
        _placement_score(pattern, centre, logs) + math.log(max(prior.weights[(region + centre) % SLOTS], 1e-12))
        for centre in _WINDOW
    ]
    top = max(scores)
    chances = [math.exp(score - top) for score in scores]
    best = max(range(len(scores)), key=scores.__getitem__)
    return (region + _WINDOW[best]) % SLOTS, chances[best] / sum(chances)


_WINDOW = tuple(range(-WINDOW_HOURS, WINDOW_HOURS + 1))
_DEFAULT_PRIOR = SendTimePrior(_FLAT)


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
