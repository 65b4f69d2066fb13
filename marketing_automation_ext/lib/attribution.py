"""Revenue attribution: how a won deal's revenue is shared among the messages that touched it.

Plain functions, no database: the dashboard gives one (revenue, touches) pair per won lead,
touches in time order, and gets the revenue per touch key (a mailing) back.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta

ATTRIBUTION_MODELS = ("first_touch", "last_touch", "linear")


def attribute(conversions, model):
    """Share each conversion's revenue among its touches.

    ``conversions``: iterable of ``(revenue, touches)``, ``touches`` a sequence of keys in the
    order they happened (the same key may come back). ``model``:

    - ``first_touch``: everything to the first touch;
    - ``last_touch``: everything to the last touch before the conversion;
    - ``linear``: an equal share to every touch (a key touching twice gets two shares).

    Returns ``(shares, unattributed)``: ``{key: revenue}`` and the revenue of conversions with
    no touch. ``sum(shares.values()) + unattributed`` equals the total revenue.
    """
    if model not in ATTRIBUTION_MODELS:
        raise ValueError("unknown attribution model %r (expected one of %s)" % (model, ", ".join(ATTRIBUTION_MODELS)))
    shares = defaultdict(float)
    unattributed = 0.0
    for revenue, touches in conversions:
        revenue = float(revenue or 0.0)
        if not touches:
            unattributed += revenue
        elif model == "first_touch":
            shares[touches[0]] += revenue
        elif model == "last_touch":
            shares[touches[-1]] += revenue
        else:
            part = revenue / len(touches)
            for key in touches:
                shares[key] += part
    return dict(shares), unattributed


def quarter_bounds(day, offset=0):
    """First day of the quarter holding ``day`` shifted by ``offset`` quarters, and the next quarter's first day."""
    if isinstance(day, datetime):
        day = day.date()
    index = (day.year * 4 + (day.month - 1) // 3) + offset
    start = date(index // 4, (index % 4) * 3 + 1, 1)
    next_index = index + 1
    return start, date(next_index // 4, (next_index % 4) * 3 + 1, 1)


def quarter_label(start):
    return "%s Q%s" % (start.year, (start.month - 1) // 3 + 1)


def week_starts(date_from, date_to):
    """The Mondays of the weeks from ``date_from`` to ``date_to`` (both included)."""
    monday = date_from - timedelta(days=date_from.weekday())
    weeks = []
    while monday <= date_to:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def funnel_drop_off(counts):
    """``[(stage, count)]`` → ``[(stage, count, share of the first stage, drop from the previous stage)]``, in %.

    A stage that is not a subset of the one before (more conversions than replies) drops nothing: 0.
    """
    rows = []
    first = counts[0][1] if counts else 0
    previous = None
    for stage, count in counts:
        share = round(100.0 * count / first, 1) if first else 0.0
        drop = round(100.0 * max(previous - count, 0) / previous, 1) if previous else 0.0
        rows.append((stage, count, share, drop))
        previous = count
    return rows


def roi(revenue, cost):
    """Return on investment in %: (revenue − cost) / cost; None without a cost."""
    if not cost:
        return None
    return round(100.0 * (revenue - cost) / cost, 1)
