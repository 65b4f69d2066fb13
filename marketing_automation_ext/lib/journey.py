"""Pure journey computations: delays, quiet hours, A/B buckets, step conditions."""

from datetime import datetime, timedelta

import pytz
from dateutil.relativedelta import relativedelta

WAIT_UNITS = {
    "minutes": lambda n: relativedelta(minutes=n),
    "hours": lambda n: relativedelta(hours=n),
    "days": lambda n: relativedelta(days=n),
    "weeks": lambda n: relativedelta(weeks=n),
    "months": lambda n: relativedelta(months=n),
}

# condition -> how a child step waits on its parent
#   "timer":    scheduled at parent + wait (branches and splits are decided when due)
#   "positive": waits for an event on the parent's message, until the window closes
#   "negative": scheduled at parent + window (+ wait), cancelled if the event comes first
CONDITION_KIND = {
    "after": "timer",
    "branch_true": "timer",
    "branch_false": "timer",
    "split": "timer",
    "opened": "positive",
    "clicked": "positive",
    "replied": "positive",
    "bounced": "positive",
    "sms_clicked": "positive",
    "not_opened": "negative",
    "not_clicked": "negative",
    "not_replied": "negative",
    "sms_not_clicked": "negative",
}
# the tracking events that meet each engagement condition (a click or a reply implies an open)
CONDITION_EVENTS = {
    "opened": ("email_open", "email_click", "email_reply"),
    "not_opened": ("email_open", "email_click", "email_reply"),
    "clicked": ("email_click",),
    "not_clicked": ("email_click",),
    "replied": ("email_reply",),
    "not_replied": ("email_reply",),
    "bounced": ("email_bounce",),
    "sms_clicked": ("sms_click",),
    "sms_not_clicked": ("sms_click",),
}
# the parent action an engagement condition needs
CONDITION_PARENT_ACTION = {
    "opened": "email",
    "not_opened": "email",
    "clicked": "email",
    "not_clicked": "email",
    "replied": "email",
    "not_replied": "email",
    "bounced": "email",
    "sms_clicked": "sms",
    "sms_not_clicked": "sms",
}


def add_interval(moment, amount, unit):
    """``moment`` plus ``amount`` ``unit`` (minutes … months); months follow the calendar."""
    if not amount:
        return moment
    if unit not in WAIT_UNITS:
        raise ValueError("unknown unit %r" % unit)
    return moment + WAIT_UNITS[unit](amount)


def in_quiet_hours(local_hour, quiet_start, quiet_end):
    """Whether a local time (hours as a float) falls in [start, end), which may wrap midnight."""
    if quiet_start == quiet_end:
        return False
    if quiet_start < quiet_end:
        return quiet_start <= local_hour < quiet_end
    return local_hour >= quiet_start or local_hour < quiet_end


def next_allowed_time(now_utc, tz_name, quiet_start, quiet_end):
    """The first UTC moment at or after ``now_utc`` outside the contact's quiet hours.

    ``now_utc`` is naive UTC (as Odoo stores it); quiet hours are local hours as
    floats (21.0 → 8.5 means nothing from 21:00 to 08:30). An unknown or empty
    time zone counts as UTC. Returns ``now_utc`` itself when sending is allowed.
    """
    if quiet_start == quiet_end:
        return now_utc
    try:
        zone = pytz.timezone(tz_name) if tz_name else pytz.utc
    except pytz.UnknownTimeZoneError:
        zone = pytz.utc
    local = pytz.utc.localize(now_utc).astimezone(zone)
    hour = local.hour + local.minute / 60 + local.second / 3600
    if not in_quiet_hours(hour, quiet_start, quiet_end):
        return now_utc
    end_hours, end_minutes = int(quiet_end), round((quiet_end % 1) * 60)
    end = local.replace(hour=end_hours, minute=end_minutes, second=0, microsecond=0, tzinfo=None)
    if end <= local.replace(tzinfo=None):
        end += timedelta(days=1)
    # localize picks the right offset on the day of a DST change
    allowed = zone.localize(end, is_dst=None) if hasattr(zone, "localize") else end.replace(tzinfo=zone)
    return allowed.astimezone(pytz.utc).replace(tzinfo=None)


def split_bucket(participant_id, salt=0):
    """A stable pseudo-random number in [0, 100) for a participant (same draw on every retry)."""
    # Knuth's multiplicative hash: spreads consecutive ids evenly over the buckets
    return ((participant_id * 2654435761 + salt * 40503) % 2**32) * 100 // 2**32


def pick_split(participant_id, branches, salt=0):
    """Pick one branch for a participant from ``[(key, percent), …]`` (percents summing to ≤ 100).

    Returns the key, or None when the draw falls past the last percentage
    (the participant takes none of the split branches).
    """
    bucket = split_bucket(participant_id, salt)
    ceiling = 0
    for key, percent in branches:
        ceiling += percent
        if bucket < ceiling:
            return key
    return None


def is_datetime(value):
    return isinstance(value, datetime)
