from odoo import fields, models
from odoo.tools import SQL

# trace_status reached -> event type, per trace_type
STATUS_EVENTS = {
    "mail": {"sent": "email_sent", "open": "email_open", "reply": "email_reply", "bounce": "email_bounce"},
    "sms": {"pending": "sms_sent", "sent": "sms_sent", "bounce": "sms_bounce"},
}
CLICK_EVENTS = {"mail": "email_click", "sms": "sms_click"}


class MailingTrace(models.Model):
    _inherit = "mailing.trace"

    def write(self, vals):
        result = super().write(vals)
        status = vals.get("trace_status")
        if status and any(status in by_status for by_status in STATUS_EVENTS.values()):
            self._marketing_record_events(
                {trace_type: by_status.get(status) for trace_type, by_status in STATUS_EVENTS.items()}
            )
        return result

    def _marketing_record_events(self, event_types, url=None, link_id=None):
        """Record one event per trace in a single ``INSERT … SELECT`` (a mailing's
        ``set_sent`` covers thousands of traces at once), scored later by the cron.

        ``event_types`` maps trace_type to event type. The contact is the
        recipient itself, a lead's contact, or else the contact with the
        recipient's email (mailing lists).
        """
        event_types = {key: value for key, value in event_types.items() if value}
        if not self or not event_types:
            return
        self.env.flush_all()
        event_type = SQL(
            "CASE t.trace_type %s END",
            SQL(" ").join(SQL("WHEN %s THEN %s", key, value) for key, value in event_types.items()),
        )
        key_suffix = SQL("%s", ":click:%s" % link_id) if link_id else SQL("''")
        channel = SQL("CASE t.trace_type WHEN 'sms' THEN 'sms' ELSE 'email' END")
        uid = self.env.uid
        self.env.cr.execute(
            SQL(
                """INSERT INTO marketing_event (event_type, channel, partner_id, lead_id, date, url, mailing_id,
                                                mailing_trace_id, campaign_id, source_id, medium_id, source_key,
                                                company_id, scored, create_uid, create_date, write_uid, write_date)
                   SELECT ev.event_type, %(channel)s, ev.partner_id, ev.lead_id, %(now)s, %(url)s,
                          t.mass_mailing_id, t.id, m.campaign_id, m.source_id, m.medium_id,
                          'trace:' || t.id || ':' || ev.event_type || %(key_suffix)s,
                          %(company)s, false, %(uid)s, %(now)s, %(uid)s, %(now)s
                     FROM mailing_trace t
                     LEFT JOIN mailing_mailing m ON m.id = t.mass_mailing_id
                     LEFT JOIN crm_lead l ON t.model = 'crm.lead' AND l.id = t.res_id
                     CROSS JOIN LATERAL (
                         SELECT %(event_type)s AS event_type,
                                CASE WHEN t.model = 'res.partner' THEN t.res_id
                                     WHEN t.model = 'crm.lead' THEN l.partner_id
                                     ELSE (SELECT p.id FROM res_partner p
                                            WHERE p.email_normalized = t.email ORDER BY p.id LIMIT 1)
                                END AS partner_id,
                                l.id AS lead_id
                     ) ev
                    WHERE t.id = ANY(%(ids)s) AND ev.event_type IS NOT NULL
                          AND (ev.partner_id IS NOT NULL OR ev.lead_id IS NOT NULL)
                   ON CONFLICT (source_key) DO NOTHING""",
                channel=channel,
                url=url,
                key_suffix=key_suffix,
                company=self.env.company.id,
                uid=uid,
                now=fields.Datetime.now(),
                event_type=event_type,
                ids=self.ids,
            )
        )
        if self.env.cr.rowcount:
            self.env["marketing.event"].invalidate_model()
            self.env["res.partner"].invalidate_model(["marketing_event_count"])
