from odoo import api, fields, models


class MailingSubscription(models.Model):
    _inherit = "mailing.subscription"

    @api.model_create_multi
    def create(self, vals_list):
        subscriptions = super().create(vals_list)
        subscriptions.filtered("opt_out")._marketing_record_unsubscribe()
        return subscriptions

    def write(self, vals):
        opted_in = self.filtered(lambda sub: not sub.opt_out) if vals.get("opt_out") else self.browse()
        result = super().write(vals)
        opted_in.filtered("opt_out")._marketing_record_unsubscribe()
        return result

    def _marketing_record_unsubscribe(self):
        if not self:
            return
        event_model = self.env["marketing.event"].sudo()
        partners = event_model._partners_by_email(self.mapped("contact_id.email_normalized"))
        by_email = {}
        for partner in partners:
            by_email.setdefault(partner.email_normalized, []).append(partner.id)
        stamp = fields.Datetime.now().isoformat()
        event_model._record(
            rescore=False,
            vals_list=[
                {
                    "event_type": "unsubscribe",
                    "channel": "email",
                    "partner_id": partner_id,
                    "source_key": "unsubscribe:%s:%s:%s" % (sub.id, partner_id, stamp),
                    "payload": {"list": sub.list_id.name},
                }
                for sub in self
                for partner_id in by_email.get(sub.contact_id.email_normalized, [])
            ],
        )
