from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..lib.scoring import url_pattern_to_like
from .marketing_event import EVENT_TYPES

# journey conditions: participant states that count (test runs never do)
WORKFLOW_STATES = {
    "in_workflow": ("running",),
    "completed_workflow": ("completed", "converted"),
    "exited_workflow": ("exited",),
}


class MarketingSegmentCondition(models.Model):
    """An engagement condition over the event log: did (or did not) do T, K times, in N days."""

    _name = "marketing.segment.condition"
    _description = "Marketing Segment Engagement Condition"
    _order = "sequence, id"

    segment_id = fields.Many2one("marketing.segment", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    kind = fields.Selection(
        [
            ("did", "Did"),
            ("did_not", "Did not"),
            ("in_workflow", "Is in journey"),
            ("completed_workflow", "Completed journey"),
            ("exited_workflow", "Left journey early"),
        ],
        required=True,
        default="did",
    )
    workflow_id = fields.Many2one("marketing.workflow", string="Journey", ondelete="cascade")
    event_type = fields.Selection(
        EVENT_TYPES, string="Event", help="Leave empty for any touchpoint (e.g. 'did not … anything in 60 days')."
    )
    url_pattern = fields.Char("URL Pattern", help="Only events whose URL contains this; * is a wildcard.")
    min_count = fields.Integer("At Least", default=1, help="Number of matching events needed.")
    days = fields.Integer("In the Last (days)", default=30, help="0 = ever.")

    @api.constrains("kind", "workflow_id")
    def _check_workflow(self):
        for condition in self:
            if condition.kind in WORKFLOW_STATES and not condition.workflow_id:
                raise ValidationError(self.env._("Choose the journey this condition is about."))

    @api.constrains("min_count", "days")
    def _check_numbers(self):
        for condition in self:
            if condition.kind in WORKFLOW_STATES:
                continue
            if condition.min_count < 1 or condition.min_count > 100000:
                raise ValidationError(self.env._("'At least' is a number of events from 1 to 100,000."))
            if condition.days < 0 or condition.days > 36500:
                raise ValidationError(self.env._("The period is a number of days from 0 (ever) to 36,500."))

    def _sql(self, alias, model_name, now):
        """SQL condition on the target row ``alias`` (a res_partner or crm_lead table alias)."""
        self.ensure_one()
        if self.kind in WORKFLOW_STATES:
            return self._workflow_sql(alias, model_name)
        if model_name == "res.partner":
            owner = SQL("e.partner_id = %s", SQL.identifier(alias, "id"))
        else:
            owner = SQL(
                "(e.lead_id = %s OR (%s IS NOT NULL AND e.partner_id = %s))",
                SQL.identifier(alias, "id"),
                SQL.identifier(alias, "partner_id"),
                SQL.identifier(alias, "partner_id"),
            )
        where = SQL(" AND ").join([owner, *self._event_filters(now)])
        if self.min_count <= 1:
            matched = SQL("EXISTS (SELECT 1 FROM marketing_event e WHERE %s)", where)
        else:
            matched = SQL(
                "(SELECT count(*) FROM (SELECT 1 FROM marketing_event e WHERE %s LIMIT %s) c) >= %s",
                where,
                self.min_count,
                self.min_count,
            )
        return matched if self.kind == "did" else SQL("NOT %s", matched)

    def _event_filters(self, now):
        """SQL conditions on the event ``e`` this condition counts (bridges add their own)."""
        self.ensure_one()
        filters = []
        if self.event_type:
            filters.append(SQL("e.event_type = %s", self.event_type))
        if self.days:
            filters.append(SQL("e.date >= %s::timestamp - %s * INTERVAL '1 day'", now, self.days))
        like = url_pattern_to_like(self.url_pattern)
        if like:
            filters.append(SQL("e.url ILIKE %s", like))
        return filters

    def _workflow_sql(self, alias, model_name):
        """Taking part in a journey, directly or (for a lead) through its contact."""
        if model_name == "res.partner":
            owner = SQL("p.partner_id = %s", SQL.identifier(alias, "id"))
        else:
            owner = SQL(
                "(p.lead_id = %s OR (p.lead_id IS NULL AND p.partner_id = %s))",
                SQL.identifier(alias, "id"),
                SQL.identifier(alias, "partner_id"),
            )
        return SQL(
            """EXISTS (SELECT 1 FROM marketing_workflow_participant p
                        WHERE p.workflow_id = %s AND %s AND p.state IN %s AND NOT p.is_test)""",
            self.workflow_id.id,
            owner,
            WORKFLOW_STATES[self.kind],
        )
