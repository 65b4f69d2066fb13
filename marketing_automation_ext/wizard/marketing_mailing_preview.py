from odoo import api, fields, models
from odoo.exceptions import UserError

PREVIEW_MODELS = ("res.partner", "crm.lead")


class MarketingMailingPreview(models.TransientModel):
    """Preview as…: a message rendered exactly as one chosen contact (or lead) gets it, dynamic blocks included."""

    _name = "marketing.mailing.preview"
    _description = "Preview a Message as a Contact"

    mailing_id = fields.Many2one("mailing.mailing", required=True, ondelete="cascade")
    mailing_type = fields.Selection(related="mailing_id.mailing_type")
    model_name = fields.Char(compute="_compute_model_name")
    partner_id = fields.Many2one("res.partner", string="Contact")
    lead_id = fields.Many2one("crm.lead", string="Lead")
    subject = fields.Char(compute="_compute_rendering")
    body = fields.Html(compute="_compute_rendering", sanitize=False)
    sms_text = fields.Text("SMS", compute="_compute_rendering")
    error = fields.Char(compute="_compute_rendering")

    @api.depends("mailing_id")
    def _compute_model_name(self):
        for preview in self:
            preview.model_name = preview.mailing_id.mailing_model_real

    def _record(self):
        self.ensure_one()
        if self.model_name == "crm.lead":
            return self.lead_id
        return self.partner_id

    @api.depends("mailing_id", "partner_id", "lead_id")
    def _compute_rendering(self):
        for preview in self:
            preview.subject = preview.body = preview.sms_text = preview.error = False
            record = preview._record() if preview.model_name in PREVIEW_MODELS else None
            if not record:
                continue
            try:
                rendered = preview.mailing_id._marketing_render_for(record)
            except UserError as error:
                preview.error = str(error)
                continue
            preview.subject = rendered.get("subject")
            preview.body = rendered.get("body")
            preview.sms_text = rendered.get("sms")
