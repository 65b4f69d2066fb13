from markupsafe import escape

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib.domains import evaluate_domain
from ..lib.templates import fill_coupon, wrap_mailing

SALE_CUSTOMER_DOMAIN = [("sale_order_ids", "!=", False)]


class MarketingWorkflowTemplateUse(models.TransientModel):
    """Asks only what a template needs, then writes a draft journey with its steps, emails and SMS."""

    _name = "marketing.workflow.template.use"
    _description = "Start a Journey from a Template"

    template_id = fields.Many2one("marketing.workflow.template", required=True, ondelete="cascade")
    purpose = fields.Char(related="template_id.purpose")
    diagram = fields.Html(related="template_id.diagram")
    model_name = fields.Selection(related="template_id.model_name")
    ask_audience = fields.Boolean(related="template_id.ask_audience")
    ask_sender = fields.Boolean(related="template_id.ask_sender")
    ask_coupon = fields.Boolean(related="template_id.ask_coupon")
    coupon_required = fields.Boolean(related="template_id.coupon_required")
    ask_delay = fields.Boolean(related="template_id.ask_delay")
    delay_label = fields.Char(related="template_id.delay_label")
    ask_salesperson = fields.Boolean(related="template_id.ask_salesperson")
    name = fields.Char(
        "Journey Name", required=True, compute="_compute_name", store=True, readonly=False, precompute=True
    )
    segment_id = fields.Many2one(
        "marketing.segment",
        string="Segment",
        domain="[('model_name', '=', model_name)]",
        compute="_compute_segment",
        store=True,
        readonly=False,
    )
    domain = fields.Char("Filter", compute="_compute_domain", store=True, readonly=False)
    email_from = fields.Char("Sender", default=lambda self: self.env.user.email_formatted)
    coupon_code = fields.Char("Discount Code")
    delay_days = fields.Integer("Delay (days)", compute="_compute_delay", store=True, readonly=False)
    user_id = fields.Many2one("res.users", string="Salesperson", default=lambda self: self.env.user)

    @api.depends("template_id")
    def _compute_name(self):
        for wizard in self:
            wizard.name = wizard.template_id.name

    @api.depends("template_id")
    def _compute_segment(self):
        for wizard in self:
            wizard.segment_id = wizard.template_id.segment_id

    @api.depends("template_id")
    def _compute_domain(self):
        for wizard in self:
            wizard.domain = wizard.template_id.domain or "[]"

    @api.depends("template_id")
    def _compute_delay(self):
        for wizard in self:
            wizard.delay_days = wizard.template_id.delay_days

    def _check_answers(self):
        self.ensure_one()
        if self.ask_delay and self.delay_days < 1:
            raise ValidationError(self.env._("The delay is at least one day."))
        if self.coupon_required and not (self.coupon_code or "").strip():
            raise ValidationError(self.env._("This journey ends with a discount: give its code."))
        try:
            evaluate_domain(self.domain)
        except ValueError as error:
            raise ValidationError(self.env._("The filter is not valid: %s", error)) from error

    def _workflow_values(self):
        template = self.template_id
        domain = evaluate_domain(self.domain)
        # win-back: with Sales installed, customers are those who ordered (without it, the segment's engagement)
        if template.sale_customers_only and "sale_order_ids" in self.env["res.partner"]._fields:
            domain += SALE_CUSTOMER_DOMAIN
        values = {
            "name": self.name,
            "model_name": template.model_name,
            "trigger": template.trigger,
            "segment_id": self.segment_id.id,
            "domain": repr(domain),
            "goal_domain": template.goal_domain or False,
            "unique_by": template.unique_by,
            "reentry": template.reentry,
            "reentry_days": template.reentry_days,
            "date_yearly": template.date_yearly,
            "user_id": self.user_id.id or self.env.user.id,
        }
        if template.trigger == "event":
            values["trigger_event_type"] = template.trigger_event_type
        if template.trigger == "date":
            field = self.env["ir.model.fields"].sudo()._get(template.model_name, template.date_field_name)
            if not field:
                raise UserError(self.env._("The date field %s is missing.", template.date_field_name))
            values["date_field_id"] = field.id
        return values

    def _message(self, workflow, tstep):
        """The email or SMS a template step sends, written in the user's language, ready to edit."""
        coupon = (self.coupon_code or "").strip()
        values = {"name": "%s: %s" % (workflow.name, tstep.name), "marketing_workflow_id": workflow.id}
        if tstep.action_type == "sms":
            values.update(
                mailing_type="sms",
                sms_subject=tstep.name,
                body_plaintext=fill_coupon(tstep.sms_body or "", coupon),
            )
        else:
            body = tstep.body_html or ""
            if coupon and tstep.coupon_html:
                body += fill_coupon(tstep.coupon_html, escape(coupon))
            body = wrap_mailing(body)
            values.update(
                mailing_type="mail",
                subject=fill_coupon(tstep.subject or tstep.name, coupon),
                preview=tstep.preview or False,
                body_arch=body,
                body_html=body,
                reply_to_mode="update",
            )
            if self.email_from:
                values["email_from"] = self.email_from
        return self.env["mailing.mailing"].create(values)

    def _step_values(self, workflow, tstep, parent):
        values = {
            "name": tstep.name,
            "sequence": tstep.sequence,
            "workflow_id": workflow.id,
            "parent_id": parent.id,
            "condition": tstep.condition,
            "window_amount": tstep.window_amount,
            "window_unit": tstep.window_unit,
            "wait_amount": tstep.wait_amount,
            "wait_unit": tstep.wait_unit,
            "branch_domain": tstep.branch_domain or "[]",
            "branch_grade": tstep.branch_grade,
            "opened_only": tstep.opened_only,
            "action_type": tstep.action_type,
            "activity_type_id": tstep.activity_type_id.id,
            "activity_summary": tstep.activity_summary,
            "activity_days": tstep.activity_days,
            "event_type": tstep.event_type or "custom",
        }
        if self.ask_delay and tstep.delay_from_wizard:
            values["%s_amount" % tstep.delay_from_wizard] = self.delay_days
            values["%s_unit" % tstep.delay_from_wizard] = "days"
        if tstep.assign_salesperson:
            values["user_id"] = self.user_id.id
        if tstep.action_type in ("email", "sms"):
            values["mailing_id"] = self._message(workflow, tstep).id
        return values

    def _create_journey(self):
        self.ensure_one()
        self._check_answers()
        workflow = self.env["marketing.workflow"].create(self._workflow_values())
        Step = self.env["marketing.workflow.step"]

        def copy_steps(tsteps, parent):
            for tstep in tsteps.sorted(lambda s: (s.sequence, s.id)):
                step = Step.create(self._step_values(workflow, tstep, parent))
                copy_steps(tstep.child_ids, step)

        copy_steps(self.template_id.step_ids.filtered(lambda s: not s.parent_id), Step)
        return workflow

    def action_create(self):
        workflow = self._create_journey()
        return {
            "type": "ir.actions.act_window",
            "res_model": "marketing.workflow",
            "res_id": workflow.id,
            "view_mode": "form",
            "target": "current",
        }
