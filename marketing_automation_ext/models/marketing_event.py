import json
from datetime import timedelta

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..lib.scoring import PAYLOAD_LIMIT_BYTES
from .cron_batch import run_batch_or_postpone
from .mailing_trace import CLICK_EVENTS, STATUS_EVENTS

EVENT_TYPES = [
    ("email_sent", "Email sent"),
    ("email_open", "Email opened"),
    ("email_click", "Email clicked"),
    ("email_reply", "Email replied"),
    ("email_bounce", "Email bounced"),
    ("sms_sent", "SMS sent"),
    ("sms_click", "SMS clicked"),
    ("sms_bounce", "SMS bounced"),
    ("unsubscribe", "Unsubscribed"),
    ("blacklist", "Blacklisted"),
    ("lead_created", "Lead created"),
    ("lead_stage", "Lead stage changed"),
    ("lead_won", "Lead won"),
    ("lead_lost", "Lead lost"),
    ("activity_done", "Activity done"),
    ("page_view", "Page viewed"),
    ("form_submit", "Form submitted"),
    ("signup", "Signed up"),
    ("cart", "Cart updated"),
    ("segment_enter", "Entered a segment"),
    ("segment_exit", "Left a segment"),
    ("custom", "Custom"),
]
CHANNELS = [
    ("email", "Email"),
    ("sms", "SMS"),
    ("web", "Website"),
    ("crm", "CRM"),
    ("api", "External"),
]
DEFAULT_CHANNEL = {
    "email_sent": "email",
    "email_open": "email",
    "email_click": "email",
    "email_reply": "email",
    "email_bounce": "email",
    "sms_sent": "sms",
    "sms_click": "sms",
    "sms_bounce": "sms",
    "unsubscribe": "email",
    "blacklist": "email",
    "lead_created": "crm",
    "lead_stage": "crm",
    "lead_won": "crm",
    "lead_lost": "crm",
    "activity_done": "crm",
    "page_view": "web",
    "form_submit": "web",
    "signup": "web",
    "cart": "web",
    "segment_enter": "crm",
    "segment_exit": "crm",
    "custom": "api",
}
# Columns written by _record(); anything else in a value dict is refused.
RECORD_COLUMNS = (
    "event_type",
    "channel",
    "partner_id",
    "lead_id",
    "date",
    "url",
    "dwell_seconds",
    "mailing_id",
    "mailing_trace_id",
    "campaign_id",
    "source_id",
    "medium_id",
    "source_key",
    "payload",
    "company_id",
    "segment_id",
)
CLOCK_SKEW = timedelta(minutes=5)


class MarketingEvent(models.Model):
    """One touchpoint of one person, recorded once (unique ``source_key``).

    Rows are only inserted through ``_record`` (``INSERT … ON CONFLICT DO
    NOTHING``) so a duplicated delivery of the same open, click or webhook
    never counts twice, even from two workers at once.
    """

    _name = "marketing.event"
    _description = "Marketing Event"
    _order = "date desc, id desc"
    _rec_name = "event_type"

    event_type = fields.Selection(EVENT_TYPES, string="Type", required=True, readonly=True)
    channel = fields.Selection(CHANNELS, required=True, readonly=True)
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    # no single-column index: marketing_event_partner_date_idx (partner_id, date) serves every lookup
    partner_id = fields.Many2one("res.partner", string="Contact", readonly=True, ondelete="cascade")
    lead_id = fields.Many2one("crm.lead", string="Lead", readonly=True, ondelete="cascade", index="btree_not_null")
    url = fields.Char("URL", readonly=True)
    dwell_seconds = fields.Integer("Dwell Time (s)", readonly=True)
    mailing_id = fields.Many2one(
        "mailing.mailing", string="Mailing", readonly=True, ondelete="set null", index="btree_not_null"
    )
    # indexed: deleting a mailing's traces nulls this column row by row
    mailing_trace_id = fields.Many2one(
        "mailing.trace", string="Mailing Trace", readonly=True, ondelete="set null", index="btree_not_null"
    )
    campaign_id = fields.Many2one("utm.campaign", string="Campaign", readonly=True, ondelete="set null")
    source_id = fields.Many2one("utm.source", string="Source", readonly=True, ondelete="set null")
    medium_id = fields.Many2one("utm.medium", string="Medium", readonly=True, ondelete="set null")
    segment_id = fields.Many2one(
        "marketing.segment", string="Segment", readonly=True, ondelete="set null", index="btree_not_null"
    )
    source_key = fields.Char(
        readonly=True,
        help="What produced this touchpoint; a second delivery with the same key is ignored.",
    )
    payload = fields.Json(readonly=True)
    payload_text = fields.Text("Details", compute="_compute_payload_text")
    company_id = fields.Many2one("res.company", readonly=True, ondelete="set null")
    scored = fields.Boolean(
        default=True,
        readonly=True,
        help="False while the scores this touchpoint moves wait for the scoring cron (tracking requests "
        "only insert the event, so Odoo's open pixel and link redirect stay as fast as without the addon).",
    )

    _sql_constraints = [
        ("source_key_unique", "UNIQUE(source_key)", "This touchpoint is already recorded."),
    ]

    def init(self):
        tools.create_index(self.env.cr, "marketing_event_partner_date_idx", self._table, ["partner_id", "date"])
        tools.create_index(self.env.cr, "marketing_event_type_date_idx", self._table, ["event_type", "date"])
        # the scoring cron's queue: tiny, as almost every event is scored
        tools.create_index(self.env.cr, "marketing_event_unscored_idx", self._table, ["id"], where="NOT scored")

    @api.depends("payload")
    def _compute_payload_text(self):
        for event in self:
            event.payload_text = json.dumps(event.payload, indent=2, sort_keys=True) if event.payload else False

    @api.depends("event_type", "partner_id")
    def _compute_display_name(self):
        labels = dict(self._fields["event_type"]._description_selection(self.env))
        for event in self:
            who = event.partner_id.display_name or event.lead_id.display_name or ""
            event.display_name = "%s – %s" % (labels.get(event.event_type, ""), who)

    # ------------------------------------------------------------------
    # Append-only: the ORM create/write are closed, _record is the way in.
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):  # pylint: disable=method-required-super
        if not self.env.su:
            raise ValidationError(
                self.env._("Marketing events are recorded by the system; use record_event() for external events.")
            )
        events = self._record(vals_list)
        return events

    def write(self, vals):  # pylint: disable=method-required-super
        raise ValidationError(self.env._("Marketing events are an append-only log and cannot be edited."))

    @api.model
    def _record(self, vals_list, rescore=True):
        """Insert touchpoints, skipping any whose ``source_key`` is already stored.

        Returns the newly inserted events. With ``rescore`` the scores of the
        contacts and leads they concern are updated now; without, the events
        wait (``scored = False``) for the scoring cron, which runs every minute.
        """
        rows = []
        now = fields.Datetime.now()
        for vals in vals_list:
            unknown = set(vals) - set(RECORD_COLUMNS)
            if unknown:
                raise ValidationError(self.env._("Unknown event fields: %s", ", ".join(sorted(unknown))))
            if not vals.get("partner_id") and not vals.get("lead_id"):
                continue
            event_type = vals["event_type"]
            row = dict.fromkeys(RECORD_COLUMNS)
            row.update(vals)
            row["channel"] = vals.get("channel") or DEFAULT_CHANNEL.get(event_type, "api")
            row["date"] = vals.get("date") or now
            row["company_id"] = vals.get("company_id")
            row["payload"] = json.dumps(vals["payload"]) if vals.get("payload") is not None else None
            rows.append(row)
        if not rows:
            return self.browse()
        self._fill_company(rows)
        if rescore:
            # scoring reads stored fields; without it, nothing pending matters to this INSERT
            # (rows exist as soon as the ORM creates them), and flushing inside another model's
            # create() or write() could change the order of its own recomputations
            self.env.flush_all()
        values = SQL(", ").join(
            SQL(
                "(%s)",
                SQL(", ").join(
                    [SQL("%s", row[col]) for col in RECORD_COLUMNS]
                    + [SQL("%s", bool(rescore))]
                    + [SQL("%s", self.env.uid), SQL("%s", now), SQL("%s", self.env.uid), SQL("%s", now)]
                ),
            )
            for row in rows
        )
        columns = SQL(", ").join(SQL.identifier(col) for col in RECORD_COLUMNS)
        self.env.cr.execute(
            SQL(
                """INSERT INTO marketing_event (%s, scored, create_uid, create_date, write_uid, write_date)
                   VALUES %s
                   ON CONFLICT (source_key) DO NOTHING
                   RETURNING id, partner_id, lead_id, event_type""",
                columns,
                values,
            )
        )
        inserted = self.env.cr.fetchall()
        events = self.browse([row[0] for row in inserted])
        if inserted:
            self.env["res.partner"].invalidate_model(["marketing_event_count"])
            if rescore:
                self.env["marketing.score.rule"]._rescore_for_events(inserted)
        return events

    def _fill_company(self, rows):
        """A touchpoint belongs to its lead's company, else its contact's, else the company recording it:
        a tracking request or a cron runs in the main company, the record rule must still put a second
        company's lead's clicks in that company."""
        missing = [row for row in rows if not row["company_id"]]
        if not missing:
            return
        companies = {}
        for model, column in (("crm_lead", "lead_id"), ("res_partner", "partner_id")):
            ids = list({row[column] for row in missing if row[column]})
            if ids:
                self.env.cr.execute(SQL("SELECT id, company_id FROM %s WHERE id = ANY(%s)", SQL.identifier(model), ids))
                companies[column] = dict(self.env.cr.fetchall())
        for row in missing:
            row["company_id"] = (
                companies.get("lead_id", {}).get(row["lead_id"])
                or companies.get("partner_id", {}).get(row["partner_id"])
                or self.env.company.id
            )

    @api.model
    def _ingest_queue(self, batch_size):
        """Turn one batch of queued tracking touchpoints into events, in one statement.

        The batch is claimed with ``FOR UPDATE SKIP LOCKED`` and deleted in the
        same statement that inserts its events, so a worker killed mid-batch
        leaves it queued and two workers never take the same rows. The contact
        is the recipient itself, a lead's contact, or else the contact with the
        recipient's email (mailing lists). Returns the number of rows taken.
        """
        status_cases = SQL(" ").join(
            SQL("WHEN t.trace_type = %s AND q.status = %s THEN %s", trace_type, status, event_type)
            for trace_type, by_status in STATUS_EVENTS.items()
            for status, event_type in by_status.items()
        )
        self.env.cr.execute("SET LOCAL jit = off")  # see marketing.segment._refresh
        click_cases = SQL(" ").join(
            SQL("WHEN t.trace_type = %s THEN %s", trace_type, event_type)
            for trace_type, event_type in CLICK_EVENTS.items()
        )
        self.env.cr.execute(
            SQL(
                """WITH batch AS (
                       DELETE FROM marketing_event_queue
                        WHERE id IN (SELECT id FROM marketing_event_queue ORDER BY id LIMIT %(limit)s
                                     FOR UPDATE SKIP LOCKED)
                    RETURNING trace_id, status, link_id, date
                   ), inserted AS (
                       INSERT INTO marketing_event (event_type, channel, partner_id, lead_id, date, url, mailing_id,
                                                    mailing_trace_id, campaign_id, source_id, medium_id, source_key,
                                                    company_id, scored, create_uid, create_date, write_uid,
                                                    write_date)
                       SELECT ev.event_type,
                                      CASE t.trace_type WHEN 'sms' THEN 'sms' ELSE 'email' END,
                                      ev.partner_id, ev.lead_id, q.date, lk.url, t.mass_mailing_id, t.id,
                                      m.campaign_id, m.source_id, m.medium_id,
                                      'trace:' || t.id || ':' || ev.event_type
                                          || CASE WHEN q.status = 'click' THEN ':click:' || q.link_id ELSE '' END
                                          AS source_key,
                                      COALESCE(l.company_id,
                                               (SELECT p.company_id FROM res_partner p WHERE p.id = ev.partner_id),
                                               %(company)s),
                                      false, %(uid)s, %(now)s, %(uid)s, %(now)s
                                 FROM batch q
                                 JOIN mailing_trace t ON t.id = q.trace_id
                                 LEFT JOIN mailing_mailing m ON m.id = t.mass_mailing_id
                                 LEFT JOIN link_tracker lk ON lk.id = q.link_id
                                 LEFT JOIN crm_lead l ON t.model = 'crm.lead' AND l.id = t.res_id
                                CROSS JOIN LATERAL (
                                    SELECT CASE WHEN q.status = 'click' THEN CASE %(click_cases)s END
                                                ELSE CASE %(status_cases)s END END AS event_type,
                                           CASE WHEN t.model = 'res.partner' THEN t.res_id
                                                WHEN t.model = 'crm.lead' THEN l.partner_id
                                                ELSE (SELECT p.id FROM res_partner p
                                                       WHERE p.email_normalized = t.email ORDER BY p.id LIMIT 1)
                                           END AS partner_id,
                                           l.id AS lead_id
                                ) ev
                                WHERE ev.event_type IS NOT NULL
                                      AND (ev.partner_id IS NOT NULL OR ev.lead_id IS NOT NULL)
                        ORDER BY q.date
                       ON CONFLICT (source_key) DO NOTHING
                       RETURNING id
                   )
                   SELECT (SELECT count(*) FROM batch), ARRAY(SELECT id FROM inserted)""",
                limit=batch_size,
                status_cases=status_cases,
                click_cases=click_cases,
                company=self.env.company.id,
                uid=self.env.uid,
                now=fields.Datetime.now(),
            )
        )
        taken, inserted = self.env.cr.fetchone()
        if inserted:
            self.invalidate_model()
            self.env["res.partner"].invalidate_model(["marketing_event_count"])
            # journeys waiting on these opens, clicks, replies and bounces move on now
            self.env["marketing.workflow.trace"].sudo()._react_to_events(inserted)
            # best send time and channel follow the new opens and sends soon, not at the next hourly run
            self.env.ref("marketing_automation_ext.ir_cron_marketing_recommendations")._trigger()
        return taken

    @api.model
    def _cron_score_pending(self, batch_size=2000):
        """Ingest queued tracking touchpoints, then score one batch of waiting events.

        The cron framework calls again while work remains (``_notify_progress``)
        and commits between calls. Rows are claimed with ``FOR UPDATE SKIP
        LOCKED`` so two workers never score the same events, and a worker killed
        mid-batch leaves them waiting. A batch refused for a concurrent change is
        postponed (``run_batch_or_postpone``).
        """
        return run_batch_or_postpone(
            self.env, "marketing_automation_ext.ir_cron_marketing_score_events", lambda: self._score_batch(batch_size)
        )

    def _score_batch(self, batch_size):
        taken = self._ingest_queue(batch_size)
        self.env.cr.execute(
            """SELECT id, partner_id, lead_id, event_type FROM marketing_event
                WHERE NOT scored ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED""",
            [batch_size],
        )
        rows = self.env.cr.fetchall()
        if rows:
            self.env["marketing.score.rule"].sudo()._rescore_for_events(rows)
            self.env.cr.execute("UPDATE marketing_event SET scored = true WHERE id = ANY(%s)", [[r[0] for r in rows]])
            self.invalidate_model(["scored"])
        # capped counts: the cron only needs to know that work remains
        self.env.cr.execute(
            "SELECT (SELECT count(*) FROM (SELECT 1 FROM marketing_event WHERE NOT scored LIMIT 100000) e)"
            " + (SELECT count(*) FROM (SELECT 1 FROM marketing_event_queue LIMIT 100000) q)"
        )
        remaining = self.env.cr.fetchone()[0]
        self.env["ir.cron"]._notify_progress(done=len(rows) + taken, remaining=remaining)
        return remaining

    @api.model
    def _score_pending_now(self):
        """Score every waiting event in this transaction (tests, demo data, the "Score now" button)."""
        while self._cron_score_pending():
            pass
        return True

    # ------------------------------------------------------------------
    # Public API
    # ------------------------------------------------------------------

    @api.model
    def record_event(
        self,
        event_type,
        partner_id=None,
        lead_id=None,
        date=None,
        url=None,
        dwell_seconds=None,
        payload=None,
        source_key=None,
        campaign_id=None,
    ):
        """Record one external touchpoint and update the scores it moves.

        Callable over JSON-RPC / XML-RPC (``execute_kw(db, uid, key,
        'marketing.event', 'record_event', ['email_open'], {'partner_id': 7})``)
        by Marketing Automation users.

        :param event_type: one of the ``event_type`` keys (``page_view``, ``custom``…)
        :param partner_id: id of an existing contact (or ``lead_id``: an existing lead)
        :param date: UTC datetime or ISO string, not in the future; defaults to now
        :param payload: JSON-serialisable details, at most 16 KiB
        :param source_key: the caller's unique id for this touchpoint; a second
            call with the same key records nothing and returns ``False``
        :return: the new event's id, or ``False`` if ``source_key`` was already recorded
        """
        self.check_access("create")
        if event_type not in dict(EVENT_TYPES):
            raise ValidationError(
                self.env._(
                    "Unknown event type %(type)r. Known types: %(types)s",
                    type=event_type,
                    types=", ".join(dict(EVENT_TYPES)),
                )
            )
        if not partner_id and not lead_id:
            raise ValidationError(self.env._("An event needs a contact (partner_id) or a lead (lead_id)."))
        for name, value in (("partner_id", partner_id), ("lead_id", lead_id), ("campaign_id", campaign_id)):
            if value is not None and value is not False and (not isinstance(value, int) or isinstance(value, bool)):
                raise ValidationError(
                    self.env._("%(name)s must be a record id (an integer), not %(value)r.", name=name, value=value)
                )
        if campaign_id and not self.env["utm.campaign"].browse(campaign_id).exists():
            raise ValidationError(self.env._("There is no UTM campaign with id %s.", campaign_id))
        if url is not None and (not isinstance(url, str) or len(url) > 2048):
            raise ValidationError(self.env._("The URL must be a string of at most 2048 characters."))
        partner = self.env["res.partner"].browse(partner_id).exists() if partner_id else None
        if partner_id and not partner:
            raise ValidationError(self.env._("There is no contact with id %s.", partner_id))
        lead = self.env["crm.lead"].browse(lead_id).exists() if lead_id else None
        if lead_id and not lead:
            raise ValidationError(self.env._("There is no lead with id %s.", lead_id))
        try:
            when = fields.Datetime.to_datetime(date) if date else fields.Datetime.now()
        except ValueError as error:
            raise ValidationError(self.env._("The date %r is not a valid datetime.", date)) from error
        if when > fields.Datetime.now() + CLOCK_SKEW:
            raise ValidationError(self.env._("The event date %s lies in the future.", when))
        if payload is not None:
            try:
                size = len(json.dumps(payload).encode())
            except (TypeError, ValueError) as error:
                raise ValidationError(self.env._("The payload must be JSON-serialisable.")) from error
            if size > PAYLOAD_LIMIT_BYTES:
                raise ValidationError(
                    self.env._(
                        "The payload is %(size)s bytes; the limit is %(limit)s.", size=size, limit=PAYLOAD_LIMIT_BYTES
                    )
                )
        if dwell_seconds is not None and (not isinstance(dwell_seconds, int) or dwell_seconds < 0):
            raise ValidationError(self.env._("Dwell time is a whole, non-negative number of seconds."))
        if source_key is not None and (not isinstance(source_key, str) or len(source_key) > 255):
            raise ValidationError(self.env._("The source key is a string of at most 255 characters."))
        if lead and not partner:
            partner = lead.partner_id
        events = self.sudo()._record(
            [
                {
                    "event_type": event_type,
                    "channel": DEFAULT_CHANNEL[event_type] if event_type != "custom" else "api",
                    "partner_id": partner.id if partner else None,
                    "lead_id": lead.id if lead else None,
                    "date": when,
                    "url": url,
                    "dwell_seconds": dwell_seconds,
                    "payload": payload,
                    "campaign_id": campaign_id,
                    "source_key": "api:%s" % source_key if source_key else None,
                }
            ]
        )
        return events.id or False

    # ------------------------------------------------------------------
    # Helpers for the trackers
    # ------------------------------------------------------------------

    @api.model
    def _targets_for_documents(self, model, res_ids):
        """Map ``(model, res_id)`` of a mailing recipient to ``(partner_id, lead_id)``."""
        res_ids = [rid for rid in res_ids if rid]
        if not res_ids:
            return {}
        if model == "res.partner":
            return {rid: (rid, None) for rid in res_ids}
        if model == "crm.lead":
            self.env.cr.execute("SELECT id, partner_id FROM crm_lead WHERE id = ANY(%s)", [list(res_ids)])
            return {lead_id: (partner_id, lead_id) for lead_id, partner_id in self.env.cr.fetchall()}
        return {}

    @api.model
    def _partners_by_email(self, emails):
        """Contacts whose normalised email is one of ``emails``."""
        emails = [email for email in emails if email]
        if not emails:
            return self.env["res.partner"]
        return self.env["res.partner"].with_context(active_test=False).search([("email_normalized", "in", emails)])
