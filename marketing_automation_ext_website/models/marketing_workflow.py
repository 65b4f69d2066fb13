from odoo import fields, models
from odoo.tools import SQL


class MarketingWorkflow(models.Model):
    _inherit = "marketing.workflow"

    trigger_min_dwell_seconds = fields.Integer(
        "Read At Least (s)",
        default=0,
        help="Only page views read this many seconds or more start the journey (time on page); 0 = any.",
    )

    _sql_constraints = [
        (
            "trigger_min_dwell_positive",
            "CHECK(trigger_min_dwell_seconds >= 0)",
            "The reading time is a number of seconds, 0 or more.",
        ),
    ]

    def _trigger_event_filters(self):
        filters = super()._trigger_event_filters()
        if self.trigger_min_dwell_seconds:
            filters.append(SQL("e.dwell_seconds >= %s", self.trigger_min_dwell_seconds))
        return filters
