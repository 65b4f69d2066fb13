"""Checks of a time-on-page beacon, free of Odoo so they are unit-tested without a database."""

from urllib.parse import urlsplit

# A page read for more than four hours is a forgotten tab, not a read.
MAX_DWELL_SECONDS = 4 * 3600
# A beacon carries a URL and a number: anything bigger is not ours.
MAX_BEACON_BYTES = 4096
MAX_URL_LENGTH = 2048
# Figures accepted per visitor per minute; a person does not leave 30 pages a minute.
RATE_LIMIT_PER_MINUTE = 30
# The browser's clock and ours may disagree by a little.
CLOCK_SKEW_SECONDS = 5
BEACON_FIELDS = frozenset({"url", "seconds"})


class BeaconError(ValueError):
    """A beacon refused, with the HTTP status to answer."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def parse_seconds(value):
    """The whole number of seconds a beacon reports, or BeaconError (400)."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) > 6:
        raise BeaconError(400, "seconds must be a whole number")
    seconds = int(value)
    if seconds < 1 or seconds > MAX_DWELL_SECONDS:
        raise BeaconError(400, "seconds out of bounds (1 to %s)" % MAX_DWELL_SECONDS)
    return seconds


def page_path(url, host):
    """Path and query of ``url`` when it is a page of ``host`` (fragment dropped), else BeaconError (400)."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise BeaconError(400, "url missing or too long")
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise BeaconError(400, "url malformed") from error
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BeaconError(400, "url is not an absolute web address")
    if parts.netloc.lower() != (host or "").lower():
        raise BeaconError(400, "url is not a page of this website")
    return (parts.path or "/") + ("?" + parts.query if parts.query else "")


def check_fields(names):
    """BeaconError (400) when the beacon carries other fields than ours."""
    unknown = set(names) - BEACON_FIELDS
    if unknown:
        raise BeaconError(400, "unknown fields: %s" % ", ".join(sorted(unknown)))


def dwell_fits(seconds, age_seconds):
    """Whether a page shown ``age_seconds`` ago can have been visible ``seconds``."""
    return seconds <= age_seconds + CLOCK_SKEW_SECONDS
