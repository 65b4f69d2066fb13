from odoo import fields, models

# trace_status reached -> event type, per trace_type
STATUS_EVENTS = {
    "mail": {"sent": "email_sent", "open": "email_open", "reply": "email_reply", "bounce": "email_bounce"},
    "sms": {"pending": "sms_sent", "sent": "sms_sent", "bounce": "sms_bounce"},
}
CLICK_EVENTS = {"mail": "email_click", "sms": "sms_click"}
QUEUED_STATUSES = {status for by_status in STATUS_EVENTS.values() for status in by_status}
# statuses that end a message's delivery, one way or the other (see marketing.workflow.trace)
DELIVERY_OUTCOMES = {"pending", "process", "sent", "error", "bounce"}


class MailingTrace(models.Model):
    _inherit = "mailing.trace"

    marketing_workflow_trace_id = fields.Many2one(
        "marketing.workflow.trace", string="Journey Step", ondelete="set null", readonly=True
    )

    def init(self):
        # a journey step sends one message per participant, whatever happens to the batch
        self.env.cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS mailing_trace_marketing_workflow_trace_unique
                   ON mailing_trace (marketing_workflow_trace_id) WHERE marketing_workflow_trace_id IS NOT NULL"""
        )
        # the frequency cap counts each address's recent messages at send time: without these, every
        # journey batch would scan all mailing traces (10M rows: seconds per batch, see bench/)
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS mailing_trace_marketing_cap_email_idx
                   ON mailing_trace (email, create_date) WHERE email IS NOT NULL"""
        )
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS mailing_trace_marketing_cap_sms_idx
                   ON mailing_trace (sms_number, create_date) WHERE sms_number IS NOT NULL"""
        )

    def write(self, vals):
        result = super().write(vals)
        if vals.get("trace_status") in QUEUED_STATUSES:
            self._marketing_queue(vals["trace_status"])
        if vals.get("trace_status") in DELIVERY_OUTCOMES:
            self._marketing_delivery_outcome()
        return result

    def _marketing_delivery_outcome(self):
        """Tell the journeys waiting on these messages whether they went out (whoever sent them:
        the journey's run or, later, Odoo's mail or SMS queue)."""
        # most traces are plain mass mailings: the field is in the cache (the mail queue reads the
        # traces it updates), so they cost no query here
        journey = self.filtered("marketing_workflow_trace_id")
        if not journey:
            return
        journey.flush_recordset(["trace_status", "failure_type", "failure_reason"])
        self.env["mail.mail"].flush_model(["failure_reason"])
        self.env.cr.execute(
            """SELECT t.id, mt.trace_status, mt.failure_type, COALESCE(mt.failure_reason, mm.failure_reason)
                 FROM mailing_trace mt
                 JOIN marketing_workflow_trace t ON t.id = mt.marketing_workflow_trace_id AND t.state = 'sending'
                 LEFT JOIN mail_mail mm ON mm.id = mt.mail_mail_id_int
                WHERE mt.id = ANY(%s)""",
            [journey.ids],
        )
        outcomes = self.env.cr.fetchall()
        if outcomes:
            self.env["marketing.workflow.trace"].sudo()._apply_delivery_outcomes(outcomes)

    def _marketing_queue(self, status, link_id=None):
        """Queue these traces' touchpoint in one INSERT (a mailing's set_sent covers thousands)."""
        if not self:
            return
        self.env.cr.execute(
            """INSERT INTO marketing_event_queue (trace_id, status, link_id, date)
               SELECT unnest(%s::int[]), %s, %s, %s""",
            [self.ids, status, link_id, fields.Datetime.now()],
        )
