from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..lib.event_journey import enrolment_window

EVENT_ANCHORS = [("begin", "Start"), ("end", "End")]


class MarketingWorkflow(models.Model):
    _inherit = "marketing.workflow"

    trigger = fields.Selection(
        selection_add=[("event_date", "An event's date is reached")],
        ondelete={"event_date": lambda records: records.write({"trigger": "manual"})},
    )
    event_id = fields.Many2one("event.event", string="Event", ondelete="restrict", index="btree_not_null")
    event_anchor = fields.Selection(EVENT_ANCHORS, string="Of the Event's", default="begin")

    @api.constrains("trigger", "event_id")
    def _check_event_trigger(self):
        for workflow in self:
            if workflow.trigger == "event_date" and not workflow.event_id:
                raise ValidationError(self.env._("Choose the event whose date enrols people in %s.", workflow.name))

    def _enrol_by_trigger(self, now):
        event = self.event_id.sudo()
        if self.trigger != "event_date":
            # an invitation stops inviting once its event has started
            if event and now >= event.date_begin:
                return 0
            return super()._enrol_by_trigger(now)
        start, until = enrolment_window(event.date_begin, event.date_end, self.event_anchor, self.date_offset_days)
        if not start <= now < until:
            return 0
        # the audience as it is then (registrants, attendees); re-entry rules keep each one to once
        table = SQL.identifier(self.env[self.model_name]._table)
        return self._enrol_sql(self._audience_query().select(SQL("%s.id", table)), now)
