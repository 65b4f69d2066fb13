from odoo import fields, models


class PhoneBlacklist(models.Model):
    _inherit = "phone.blacklist"

    def _add(self, numbers, message=None):
        records = super()._add(numbers, message=message)
        numbers = [number for number in records.mapped("number") if number]
        if numbers:
            partners = (
                self.env["res.partner"].with_context(active_test=False).search([("phone_sanitized", "in", numbers)])
            )
            stamp = fields.Datetime.now().isoformat()
            self.env["marketing.event"].sudo()._record(
                rescore=False,
                vals_list=[
                    {
                        "event_type": "blacklist",
                        "channel": "sms",
                        "partner_id": partner.id,
                        "source_key": "blacklist:sms:%s:%s:%s" % (partner.phone_sanitized, partner.id, stamp),
                    }
                    for partner in partners
                ],
            )
        return records
