"""Pure helpers of the event journeys: a template's domain bound to the chosen event, and when an
event-dated journey lets people in."""

from datetime import timedelta

from odoo.tools.safe_eval import safe_eval

# after the event, registrants enter during this long (a cron down for a while still catches them)
ENROLMENT_DAYS_AFTER = 1


def bind_event(text, event_id):
    """The domain ``text`` of a template, where ``event_id`` names the chosen event, as a literal domain."""
    if not text:
        return text
    try:
        domain = safe_eval(text, {"event_id": event_id})
    except Exception as error:  # safe_eval raises whatever the expression raises
        raise ValueError(str(error)) from error
    if not isinstance(domain, (list, tuple)):
        raise ValueError("not a list")
    return repr(list(domain))


def enrolment_window(date_begin, date_end, anchor, offset_days):
    """(from, until): when a journey dated on an event lets its audience in.

    The moment is the event's start or end shifted by ``offset_days`` (negative: before). Before the
    event, the window stays open until it starts, so late registrants still get the reminder; after
    it, for ``ENROLMENT_DAYS_AFTER`` days.
    """
    moment = (date_begin if anchor == "begin" else date_end) + timedelta(days=offset_days)
    if moment < date_begin:
        return moment, date_begin
    return moment, moment + timedelta(days=ENROLMENT_DAYS_AFTER)
