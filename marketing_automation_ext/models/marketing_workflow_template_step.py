from odoo import fields, models
from odoo.tools.translate import html_translate

from .marketing_workflow_step import ACTIONS, CONDITIONS, UNITS


class MarketingWorkflowTemplateStep(models.Model):
    """A step of a journey template: copied into a journey step (and its email or SMS) by the wizard."""

    _name = "marketing.workflow.template.step"
    _description = "Journey Template Step"
    _order = "sequence, id"

    template_id = fields.Many2one("marketing.workflow.template", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    parent_id = fields.Many2one("marketing.workflow.template.step", string="After Step", ondelete="cascade", index=True)
    child_ids = fields.One2many("marketing.workflow.template.step", "parent_id", string="Next Steps")
    condition = fields.Selection(CONDITIONS, required=True, default="after")
    window_amount = fields.Integer(default=3)
    window_unit = fields.Selection(UNITS, default="days", required=True)
    wait_amount = fields.Integer(default=0)
    wait_unit = fields.Selection(UNITS, default="days", required=True)
    delay_from_wizard = fields.Selection(
        [("window", "Reaction window"), ("wait", "Wait")],
        help="Which of the step's delays takes the number of days the wizard asks for.",
    )
    opened_only = fields.Boolean()
    branch_domain = fields.Char(default="[]")
    branch_grade = fields.Selection([("hot", "Hot"), ("warm_hot", "Warm or hot"), ("warm", "Warm"), ("cold", "Cold")])
    action_type = fields.Selection(ACTIONS, required=True, default="email")
    # the message the step sends
    subject = fields.Char(translate=True)
    preview = fields.Char(translate=True, help="The line mail clients show after the subject.")
    body_html = fields.Html(translate=html_translate, sanitize=False)
    sms_body = fields.Text("SMS Text", translate=True)
    coupon_html = fields.Html(
        "Discount Block",
        translate=html_translate,
        sanitize=False,
        help="Added to the email when the wizard is given a discount code; {coupon} is the code.",
    )
    # activities and assignment
    activity_type_id = fields.Many2one("mail.activity.type", ondelete="set null")
    activity_summary = fields.Char(translate=True)
    activity_days = fields.Integer(default=1)
    assign_salesperson = fields.Boolean(help="Assign / activity: to the salesperson the wizard asks for.")
    event_type = fields.Char("Touchpoint Type", default="custom")
