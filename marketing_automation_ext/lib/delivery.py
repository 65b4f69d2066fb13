"""Pure delivery decisions for journey messages: is a failure worth retrying, and when.

A message that fails for a passing reason (the mail server or SMS gateway down or
busy, a timeout, a temporary 4xx answer) is tried again later; a permanent refusal
(a bad or missing address, a 5xx answer, blacklist, opt-out) is final at once.
"""

import re
from datetime import timedelta

# failure types of mailing.trace / mail.mail / sms.sms that no retry can fix
PERMANENT_FAILURE_TYPES = frozenset(
    {
        "mail_bounce",
        "mail_email_invalid",
        "mail_email_missing",
        "mail_bl",
        "mail_dup",
        "mail_optout",
        "sms_number_missing",
        "sms_number_format",
        "sms_country_not_supported",
        "sms_registration_needed",
        "sms_blacklist",
        "sms_duplicate",
        "sms_optout",
        "sms_expired",
        "sms_invalid_destination",
        "sms_not_allowed",
        "sms_not_delivered",
        "sms_rejected",
    }
)
# failure types Odoo gives to a gateway that could not be reached or answered with an error
TRANSIENT_FAILURE_TYPES = frozenset({"mail_smtp", "sms_server", "sms_credit"})

# an SMTP reply code as smtplib reports it: "(550, b'...')", "{'a@b.c': (451, ...)}" or "550 5.1.1 ..."
_SMTP_CODE = re.compile(r"(?:\(\s*|^|\s)([245]\d\d)(?:[ ,\-]|\.\d)")

DEFAULT_RETRY_DELAYS = (5, 30, 120, 360)  # minutes
MAX_RETRIES = 20


def smtp_codes(reason):
    """The SMTP reply codes (as ints) quoted in a failure reason."""
    return [int(code) for code in _SMTP_CODE.findall(reason or "")]


def is_transient(failure_type, reason=None):
    """Whether a failed delivery may succeed if tried again later.

    Permanent: an address problem, a blacklist or opt-out, a 5xx answer from the
    server. Transient: the server could not be reached, a 4xx answer, a gateway
    error, and anything else not known to be permanent (it is retried a bounded
    number of times, then fails: a passing fault never ends a journey at once).
    """
    if failure_type in PERMANENT_FAILURE_TYPES:
        return False
    if failure_type in TRANSIENT_FAILURE_TYPES:
        return True
    codes = smtp_codes(reason)
    if any(500 <= code < 600 for code in codes):
        return False
    return True


def parse_retry_delays(text):
    """'5, 30, 120' → [5, 30, 120] (minutes, each > 0); raises ValueError on anything else."""
    parts = [part.strip() for part in re.split(r"[,;\s]+", text or "") if part.strip()]
    if not parts:
        raise ValueError("no delay given")
    delays = []
    for part in parts:
        if not part.isdigit() or int(part) <= 0:
            raise ValueError("not a positive number of minutes: %r" % part)
        delays.append(int(part))
    return delays


def retry_delay(failed_attempts, retries, delays):
    """How long to wait after the ``failed_attempts``-th failed attempt, or None when retries are used up.

    ``retries`` further attempts follow the first one; the n-th retry waits
    ``delays[n-1]`` minutes, the last delay repeating when fewer are listed.
    """
    if failed_attempts < 1 or failed_attempts > retries:
        return None
    delays = list(delays) or list(DEFAULT_RETRY_DELAYS)
    return timedelta(minutes=delays[min(failed_attempts, len(delays)) - 1])
