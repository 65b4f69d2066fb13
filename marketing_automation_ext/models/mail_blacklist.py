from odoo import api, fields, models


class MailBlacklist(models.Model):
    _inherit = "mail.blacklist"

    @api.model
    def _add(self, email, message=None):
        record = super()._add(email, message=message)
        normalized = record.email if record else False
        if normalized:
            event_model = self.env["marketing.event"].sudo()
            partners = event_model._partners_by_email([normalized])
            stamp = fields.Datetime.now().isoformat()
            event_model._record(
                rescore=False,
                vals_list=[
                    {
                        "event_type": "blacklist",
                        "channel": "email",
                        "partner_id": partner.id,
                        "source_key": "blacklist:email:%s:%s:%s" % (normalized, partner.id, stamp),
                    }
                    for partner in partners
                ],
            )
        return record
