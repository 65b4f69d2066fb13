from markupsafe import escape

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..lib.event_journey import bind_event


class MarketingWorkflowTemplateUse(models.TransientModel):
    _inherit = "marketing.workflow.template.use"

    ask_event = fields.Boolean(related="template_id.ask_event")
    event_id = fields.Many2one("event.event", string="Event")

    @api.depends("template_id", "event_id")
    def _compute_domain(self):
        event_wizards = self.filtered("template_id.ask_event")
        for wizard in event_wizards:
            wizard.domain = bind_event(wizard.template_id.domain, wizard.event_id.id) or "[]"
        return super(MarketingWorkflowTemplateUse, self - event_wizards)._compute_domain()

    def _check_answers(self):
        if self.ask_event and not self.event_id:
            raise ValidationError(self.env._("Choose the event of this journey."))
        return super()._check_answers()

    def _bind(self, text):
        try:
            return bind_event(text, self.event_id.id)
        except ValueError as error:
            raise ValidationError(self.env._("The template's filter is not valid: %s", error)) from error

    def _workflow_values(self):
        values = super()._workflow_values()
        template = self.template_id
        if template.ask_event:
            values.update(
                event_id=self.event_id.id,
                event_anchor=template.event_anchor,
                goal_domain=self._bind(template.goal_domain) or False,
            )
            if template.event_offset:
                days = self.delay_days if self.ask_delay else 0
                values["date_offset_days"] = -days if template.event_offset == "before" else days
        return values

    def _step_values(self, workflow, tstep, parent):
        values = super()._step_values(workflow, tstep, parent)
        if self.ask_event:
            values["branch_domain"] = self._bind(values["branch_domain"]) or "[]"
        return values

    def _message(self, workflow, tstep):
        mailing = super()._message(workflow, tstep)
        if self.ask_event:
            name = self.event_id.name or ""
            values = {}
            for field in ("subject", "body_plaintext", "sms_subject"):
                if mailing[field] and "{event}" in mailing[field]:
                    values[field] = mailing[field].replace("{event}", name)
            for field in ("body_arch", "body_html"):
                if mailing[field] and "{event}" in mailing[field]:
                    values[field] = str(mailing[field]).replace("{event}", str(escape(name)))
            if values:
                mailing.write(values)
        return mailing
