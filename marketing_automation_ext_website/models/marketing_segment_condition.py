from odoo import fields, models
from odoo.tools import SQL


class MarketingSegmentCondition(models.Model):
    _inherit = "marketing.segment.condition"

    min_dwell_seconds = fields.Integer(
        "Read At Least (s)", default=0, help="Only page views read this many seconds or more count; 0 = any."
    )

    _sql_constraints = [
        ("min_dwell_positive", "CHECK(min_dwell_seconds >= 0)", "The reading time is a number of seconds, 0 or more."),
    ]

    def _event_filters(self, now):
        filters = super()._event_filters(now)
        if self.min_dwell_seconds:
            filters.append(SQL("e.dwell_seconds >= %s", self.min_dwell_seconds))
        return filters
