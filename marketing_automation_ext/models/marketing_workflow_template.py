from markupsafe import Markup, escape

from odoo import api, fields, models

from .marketing_score_rule import SCORED_MODELS
from .marketing_workflow import TRIGGERS

# the channels a step's action reaches people on, as the gallery shows them
ACTION_CHANNELS = {
    "email": "email",
    "sms": "sms",
    "best_channel": "email",
    "activity": "call",
}
CHANNEL_ICONS = {"email": "fa-envelope", "sms": "fa-mobile", "call": "fa-phone"}
ACTION_ICONS = {
    "email": "fa-envelope",
    "sms": "fa-mobile",
    "activity": "fa-phone",
    "assign": "fa-user",
    "exit": "fa-sign-out",
    "touchpoint": "fa-bolt",
    "wait": "fa-clock-o",
    "tag_add": "fa-tag",
}


class MarketingWorkflowTemplate(models.Model):
    """A proven journey to start from: the gallery's card and what the wizard copies into a draft journey."""

    _name = "marketing.workflow.template"
    _description = "Journey Template"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    purpose = fields.Char(required=True, translate=True, help="One line: what the journey is for.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    model_name = fields.Selection(SCORED_MODELS, string="Target", required=True, default="res.partner")
    trigger = fields.Selection(TRIGGERS, required=True, default="audience")
    trigger_event_type = fields.Char("Touchpoint", help="Event type that enrols people (touchpoint trigger).")
    date_field_name = fields.Char("Date Field", help="Technical name of the date field (date trigger).")
    date_yearly = fields.Boolean("Every Year")
    domain = fields.Char("Filter", default="[]")
    goal_domain = fields.Char("Goal")
    unique_by = fields.Selection(
        [("record", "Record"), ("partner", "Contact"), ("email", "Email address")], default="record", required=True
    )
    reentry = fields.Selection([("once", "Only once"), ("again", "Again after a delay")], default="once", required=True)
    reentry_days = fields.Integer(default=30)
    segment_id = fields.Many2one("marketing.segment", string="Default Segment", ondelete="set null")
    sale_customers_only = fields.Boolean(
        "Customers Who Ordered", help="With Sales installed, only contacts with sale orders take part."
    )
    # what the wizard asks
    ask_audience = fields.Boolean("Ask for the Audience", default=True)
    ask_sender = fields.Boolean("Ask for the Sender", default=True)
    ask_coupon = fields.Boolean("Ask for a Discount Code")
    coupon_required = fields.Boolean("Discount Code Required")
    ask_delay = fields.Boolean("Ask for a Delay")
    delay_label = fields.Char(translate=True, help="What the delay the wizard asks for means.")
    delay_days = fields.Integer("Default Delay (days)", default=3)
    ask_salesperson = fields.Boolean("Ask for a Salesperson")
    step_ids = fields.One2many("marketing.workflow.template.step", "template_id", string="Steps", copy=True)
    # gallery
    channels = fields.Char(compute="_compute_gallery")
    channel_icons = fields.Html(compute="_compute_gallery", sanitize=False)
    diagram = fields.Html("Steps Diagram", compute="_compute_gallery", sanitize=False)
    step_count = fields.Integer(compute="_compute_gallery")

    @api.depends("step_ids.action_type", "step_ids.name", "step_ids.parent_id", "step_ids.condition")
    def _compute_gallery(self):
        labels = dict(self.env["marketing.workflow.step"]._fields["condition"]._description_selection(self.env))
        channel_labels = {"email": self.env._("Email"), "sms": self.env._("SMS"), "call": self.env._("Call")}
        for template in self:
            found = []
            for step in template.step_ids.sorted(lambda s: (s.sequence, s.id)):
                channel = ACTION_CHANNELS.get(step.action_type)
                if channel and channel not in found:
                    found.append(channel)
            template.channels = " · ".join(channel_labels[c] for c in found)
            template.channel_icons = Markup("").join(
                Markup('<span class="badge text-bg-light me-1"><i class="fa %s me-1"></i>%s</span>')
                % (CHANNEL_ICONS[c], channel_labels[c])
                for c in found
            )
            template.step_count = len(template.step_ids)
            roots = template.step_ids.filtered(lambda s: not s.parent_id)
            template.diagram = Markup('<ul class="o_ma_template_diagram list-unstyled small mb-0">%s</ul>') % Markup(
                ""
            ).join(template._diagram_lines(roots, labels, 0))

    def _diagram_lines(self, steps, labels, depth):
        lines = []
        for step in steps.sorted(lambda s: (s.sequence, s.id)):
            condition = "" if step.condition == "after" else "%s → " % labels.get(step.condition, "")
            lines.append(
                Markup('<li style="padding-left:%spx"><i class="fa %s text-muted me-1"></i>%s%s</li>')
                % (depth * 12, ACTION_ICONS.get(step.action_type, "fa-circle-o"), condition, escape(step.name))
            )
            lines += self._diagram_lines(step.child_ids, labels, depth + 1)
        return lines

    def action_use(self):
        """Open the short wizard that turns this template into a draft journey."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.name,
            "res_model": "marketing.workflow.template.use",
            "view_mode": "form",
            "target": "new",
            "context": {"default_template_id": self.id},
        }
