"""Pure scoring arithmetic, shared by the SQL engine's tests and the models.

The SQL in ``models/marketing_score_rule.py`` computes the same figures in the
database; ``tests/test_scoring_math.py`` checks both agree.
"""

import math

SECONDS_PER_DAY = 86400.0
POINTS_LIMIT = 1000
PAYLOAD_LIMIT_BYTES = 16 * 1024
GRADES = [("hot", "Hot"), ("warm", "Warm"), ("cold", "Cold")]


def decay_factor(age_seconds, half_life_days):
    """Weight of an event ``age_seconds`` old under a half-life (0 = no decay)."""
    if not half_life_days or half_life_days <= 0:
        return 1.0
    age_days = max(age_seconds, 0.0) / SECONDS_PER_DAY
    return math.pow(0.5, age_days / half_life_days)


def cap_points(total, cap):
    """Limit a rule's total to ``cap`` points in the direction of its sign (0 = no cap)."""
    if not cap:
        return total
    cap = abs(cap)
    return max(-cap, min(cap, total))


def behaviour_points(points, ages_seconds, half_life_days, cap):
    """Points one behaviour rule gives for events of the given ages."""
    total = sum(points * decay_factor(age, half_life_days) for age in ages_seconds)
    return cap_points(total, cap)


def grade_for(score, warm_threshold, hot_threshold):
    if score >= hot_threshold:
        return "hot"
    if score >= warm_threshold:
        return "warm"
    return "cold"


def url_pattern_to_like(pattern):
    """Turn a user's URL pattern (``*`` wildcards, else a substring) into an ILIKE pattern."""
    if not pattern:
        return None
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if "*" in escaped:
        return escaped.replace("*", "%")
    return "%" + escaped + "%"


def points_error(points, cap):
    """A readable reason why a rule's points are refused, or None."""
    if points is None or not -POINTS_LIMIT <= points <= POINTS_LIMIT:
        return "Points must lie between -%d and %d." % (POINTS_LIMIT, POINTS_LIMIT)
    if points == 0:
        return "A rule that gives 0 points changes nothing; give it points or archive it."
    if cap and (cap < 0 or cap > 100 * POINTS_LIMIT):
        return "The cap is a positive number of points (0 = no cap)."
    return None
