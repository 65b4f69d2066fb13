from odoo import fields, models
from odoo.tools import SQL

# trace_status reached -> event type, per trace_type
STATUS_EVENTS = {
    "mail": {"sent": "email_sent", "open": "email_open", "reply": "email_reply", "bounce": "email_bounce"},
    "sms": {"pending": "sms_sent", "sent": "sms_sent", "bounce": "sms_bounce"},
}
CLICK_EVENTS = {"mail": "email_click", "sms": "sms_click"}
QUEUED_STATUSES = {status for by_status in STATUS_EVENTS.values() for status in by_status}
# statuses that end a message's delivery, one way or the other (see marketing.workflow.trace)
DELIVERY_OUTCOMES = {"pending", "process", "sent", "error", "bounce"}

# A status change queues its touchpoint inside the UPDATE that makes it, whoever writes it (the
# ORM, Odoo's raw SQL, an import): the open pixel pays no extra round trip for the addon. The
# row trigger's WHEN is evaluated without entering PL/pgSQL, so other updates of the trace
# (and statuses that make no touchpoint) cost nothing. The date is the one Odoo stored with
# the status when it did, else the write date of that update.
STATUS_QUEUE_FUNCTION = """
CREATE OR REPLACE FUNCTION marketing_trace_status_queue() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO marketing_event_queue (trace_id, status, date)
    VALUES (NEW.id, NEW.trace_status,
            COALESCE(CASE NEW.trace_status WHEN 'open' THEN NEW.open_datetime
                                           WHEN 'reply' THEN NEW.reply_datetime
                                           WHEN 'sent' THEN NEW.sent_datetime END,
                     CASE WHEN NEW.write_date IS DISTINCT FROM OLD.write_date THEN NEW.write_date END,
                     now() AT TIME ZONE 'UTC'));
    RETURN NULL;
END
$$
"""


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
        self.env.cr.execute(STATUS_QUEUE_FUNCTION)
        self.env.cr.execute("DROP TRIGGER IF EXISTS marketing_trace_status_queue ON mailing_trace")
        self.env.cr.execute(
            SQL(
                """CREATE TRIGGER marketing_trace_status_queue AFTER UPDATE OF trace_status ON mailing_trace
                   FOR EACH ROW WHEN (NEW.trace_status IN %s)
                   EXECUTE FUNCTION marketing_trace_status_queue()""",
                tuple(sorted(QUEUED_STATUSES)),
            )
        )

    def write(self, vals):
        result = super().write(vals)
        # touchpoints of a new status are queued by the table's trigger (see STATUS_QUEUE_FUNCTION)
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
        """Queue these traces' touchpoint in one INSERT (clicks; statuses queue themselves)."""
        if not self:
            return
        self.env.cr.execute(
            """INSERT INTO marketing_event_queue (trace_id, status, link_id, date)
               SELECT unnest(%s::int[]), %s, %s, %s""",
            [self.ids, status, link_id, fields.Datetime.now()],
        )
