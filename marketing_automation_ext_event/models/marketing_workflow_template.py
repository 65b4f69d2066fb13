from odoo import fields, models

from .marketing_workflow import EVENT_ANCHORS


class MarketingWorkflowTemplate(models.Model):
    _inherit = "marketing.workflow.template"

    trigger = fields.Selection(
        selection_add=[("event_date", "An event's date is reached")], ondelete={"event_date": "cascade"}
    )
    ask_event = fields.Boolean(
        "Ask for the Event", help="Its domains name the chosen event as event_id; {event} in messages is its name."
    )
    event_anchor = fields.Selection(EVENT_ANCHORS, string="Of the Event's", default="begin")
    event_offset = fields.Selection(
        [("before", "Days before"), ("after", "Days after")],
        string="Delay Is",
        help="Event date trigger: the delay the wizard asks is this many days before or after the event's date.",
    )
