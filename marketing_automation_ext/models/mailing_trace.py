from odoo import models

# trace_status reached -> event type, per trace_type
STATUS_EVENTS = {
    "mail": {"sent": "email_sent", "open": "email_open", "reply": "email_reply", "bounce": "email_bounce"},
    "sms": {"pending": "sms_sent", "sent": "sms_sent", "bounce": "sms_bounce"},
}


class MailingTrace(models.Model):
    _inherit = "mailing.trace"

    def write(self, vals):
        result = super().write(vals)
        if vals.get("trace_status"):
            self._marketing_record_status(vals["trace_status"])
        return result

    def _marketing_event_base(self, targets):
        """Common event values of a trace, or None when it has no known contact or lead."""
        self.ensure_one()
        partner_id, lead_id = targets.get((self.model, self.res_id), (None, None))
        if not partner_id and not lead_id:
            return None
        mailing = self.mass_mailing_id
        return {
            "partner_id": partner_id,
            "lead_id": lead_id,
            "mailing_id": mailing.id or None,
            "mailing_trace_id": self.id,
            "campaign_id": mailing.campaign_id.id or None,
            "source_id": mailing.source_id.id or None,
            "medium_id": mailing.medium_id.id or None,
            "company_id": self.env.company.id,
        }

    def _marketing_targets(self):
        """(model, res_id) -> (partner_id, lead_id) for these traces, in one query per model."""
        targets = {}
        event_model = self.env["marketing.event"]
        by_model = {}
        for trace in self:
            by_model.setdefault(trace.model, []).append(trace.res_id)
        for model, res_ids in by_model.items():
            for res_id, pair in event_model._targets_for_documents(model, res_ids).items():
                targets[(model, res_id)] = pair
        # Other recipients (mailing lists...): match the contact by email.
        unknown = self.filtered(lambda t: (t.model, t.res_id) not in targets and t.email)
        if unknown:
            partners = event_model._partners_by_email(unknown.mapped("email"))
            by_email = {}
            for partner in partners.sorted("id"):
                by_email.setdefault(partner.email_normalized, partner.id)
            for trace in unknown:
                if trace.email in by_email:
                    targets[(trace.model, trace.res_id)] = (by_email[trace.email], None)
        return targets

    def _marketing_record_status(self, status):
        vals_list = []
        targets = None
        for trace in self:
            event_type = STATUS_EVENTS.get(trace.trace_type, {}).get(status)
            if not event_type:
                continue
            if targets is None:
                targets = self._marketing_targets()
            base = trace._marketing_event_base(targets)
            if base is None:
                continue
            base.update(event_type=event_type, source_key="trace:%s:%s" % (trace.id, event_type))
            vals_list.append(base)
        if vals_list:
            self.env["marketing.event"].sudo()._record(vals_list, rescore=False)
