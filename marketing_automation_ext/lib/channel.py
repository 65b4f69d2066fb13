"""Which channel a contact answers on: email, SMS or phone, with a one-line reason.

Each usable channel gets a response rate smoothed towards a prior (a Beta(2, 6)
guess worth eight tries: one answer in four), so two opens out of two do not outweigh twenty
out of forty; a channel the contact cannot be reached on (no address or number,
blacklisted, opted out) is never chosen. Ties go to the cheaper channel (email,
then SMS, then a call).
"""

from dataclasses import dataclass, field

CHANNELS = ("email", "sms", "phone")
PRIOR_ANSWERS, PRIOR_MISSES = 2.0, 6.0


@dataclass
class ChannelHistory:
    """What one contact did on one channel: tries made and answers given."""

    reachable: bool = True
    tries: int = 0
    answers: int = 0
    why_unreachable: str = ""


@dataclass(frozen=True)
class ChannelChoice:
    channel: str | None
    reason: str
    rates: dict = field(default_factory=dict)


def smoothed_rate(answers, tries):
    """Answers per try, shrunk towards the prior when there are few tries."""
    answers = min(answers, tries) if tries else 0
    return (answers + PRIOR_ANSWERS) / (tries + PRIOR_ANSWERS + PRIOR_MISSES)


def _describe(channel, history):
    if channel == "email":
        return "%s of %s emails opened" % (history.answers, history.tries)
    if channel == "sms":
        return "%s of %s SMS clicked or answered" % (history.answers, history.tries)
    if history.tries > history.answers:
        return "%s of %s calls answered" % (history.answers, history.tries)
    return "%s calls answered" % history.answers


def preferred_channel(histories):
    """``histories``: ``{channel: ChannelHistory}`` (missing channels count as unreachable).

    Returns a ``ChannelChoice``: the channel with the best smoothed response rate among
    those the contact can be reached on (None when none is), the reason in one line,
    and the rates compared.
    """
    usable = {c: histories[c] for c in CHANNELS if c in histories and histories[c].reachable}
    blocked = [
        "%s: %s" % (c, histories[c].why_unreachable or "not reachable")
        for c in CHANNELS
        if c in histories and not histories[c].reachable
    ]
    if not usable:
        return ChannelChoice(None, "no channel: " + ("; ".join(blocked) or "no address or number"), {})
    rates = {c: smoothed_rate(h.answers, h.tries) for c, h in usable.items()}
    best = max(usable, key=lambda c: (rates[c], -CHANNELS.index(c)))
    if not any(h.tries for h in usable.values()):
        reason = "prefers %s: no history yet, the first channel available" % best
    else:
        others = [_describe(c, usable[c]) for c in CHANNELS if c in usable and c != best and usable[c].tries]
        reason = "prefers %s: %s" % (best, _describe(best, usable[best]))
        if others:
            reason += ", " + ", ".join(others)
    if blocked:
        reason += " (" + "; ".join(blocked) + ")"
    return ChannelChoice(best, reason, rates)
