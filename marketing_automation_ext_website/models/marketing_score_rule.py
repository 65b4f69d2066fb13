from odoo import api, fields, models
from odoo.tools import SQL


class MarketingScoreRule(models.Model):
    _inherit = "marketing.score.rule"

    min_dwell_seconds = fields.Integer(
        "Read At Least (s)",
        default=0,
        help="Only count page views read this many seconds or more (time on page); 0 = any.",
    )

    _sql_constraints = [
        ("min_dwell_positive", "CHECK(min_dwell_seconds >= 0)", "The reading time is a number of seconds, 0 or more."),
    ]

    @api.model
    def _behaviour_join(self, now):
        matches, decayed = super()._behaviour_join(now)
        matches = SQL(
            "%s AND (COALESCE(r.min_dwell_seconds, 0) = 0 OR e.dwell_seconds >= r.min_dwell_seconds)", matches
        )
        return matches, decayed
