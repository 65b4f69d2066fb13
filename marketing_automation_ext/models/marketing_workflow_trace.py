import logging
from datetime import timedelta

from psycopg2 import Error as PsycopgError

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL
from odoo.tools.misc import format_datetime

from ..lib.delivery import DEFAULT_RETRY_DELAYS, is_transient, parse_retry_delays, retry_delay
from ..lib.journey import (
    CONDITION_EVENTS,
    CONDITION_KIND,
    CONDITION_PARENT_ACTION,
    add_interval,
    next_allowed_time,
    pick_split,
)
from ..lib.send_time import next_slot_time

_logger = logging.getLogger(__name__)

# a step postponed by a concurrent update of its record runs again after this
CONCURRENCY_RETRY_DELAY = timedelta(seconds=30)

TRACE_STATES = [
    ("scheduled", "Scheduled"),
    ("sending", "Sending"),
    ("waiting", "Waiting for a reaction"),
    ("processed", "Done"),
    ("rejected", "Rejected"),
    ("canceled", "Cancelled"),
    ("error", "Failed"),
]
CHANNELS = [("email", "Email"), ("sms", "SMS"), ("phone", "Phone")]
POSITIVE = tuple(c for c, kind in CONDITION_KIND.items() if kind == "positive")
NEGATIVE = tuple(c for c, kind in CONDITION_KIND.items() if kind == "negative")
# after a best-channel step: the channel(s) on which the participant must have been reached for each
# engagement condition to apply ("bounced or not delivered": the email or the SMS)
CONDITION_CHANNELS = {
    condition: ("email", "sms") if condition == "bounced" else (action,)
    for condition, action in CONDITION_PARENT_ACTION.items()
}
# the actions that send a message (retried on a passing delivery failure)
MESSAGE_ACTIONS = ("email", "sms", "best_channel")
# actions that update the participant's own row (its tags, fields, salesperson, score)
RECORD_WRITING_ACTIONS = ("assign", "tag_add", "tag_remove", "write", "server_action", "touchpoint")
FREQUENCY_DEFER = timedelta(hours=6)
# mailing.trace statuses: the gateway took the message / it failed before delivery
DELIVERED_STATUSES = ("pending", "process", "sent", "open", "reply")
FAILED_STATUSES = ("error", "bounce")
DELIVERY_STATUSES = DELIVERED_STATUSES + FAILED_STATUSES
# a message still queued this long after its mail or SMS record vanished is given up
LOST_MESSAGE_AFTER = timedelta(hours=1)
# outcomes normally arrive through mailing.trace's write; this catches any that did not
RECONCILE_AFTER = timedelta(minutes=10)


class MarketingWorkflowTrace(models.Model):
    """One step scheduled for one participant, executed at most once."""

    _name = "marketing.workflow.trace"
    _description = "Marketing Workflow Trace"
    _order = "schedule_date desc, id desc"
    _rec_name = "step_id"

    participant_id = fields.Many2one(
        "marketing.workflow.participant", required=True, ondelete="cascade", index=True, readonly=True
    )
    workflow_id = fields.Many2one("marketing.workflow", required=True, ondelete="cascade", index=True, readonly=True)
    step_id = fields.Many2one("marketing.workflow.step", required=True, ondelete="cascade", index=True, readonly=True)
    parent_trace_id = fields.Many2one(
        "marketing.workflow.trace", ondelete="cascade", readonly=True, index="btree_not_null"
    )
    state = fields.Selection(TRACE_STATES, required=True, default="scheduled", readonly=True)
    schedule_date = fields.Datetime("Due", readonly=True)
    expiry_date = fields.Datetime("Waits Until", readonly=True)
    date_processed = fields.Datetime("Run At", readonly=True)
    note = fields.Char("Result", readonly=True)
    attempts = fields.Integer(readonly=True, help="How many times this step was run (for messages: sent).")
    attempt_log = fields.Text(
        "Delivery Attempts", readonly=True, help="Each failed delivery attempt: when, why, and what happens next."
    )
    res_name = fields.Char(related="participant_id.res_name", string="Participant Name")
    is_test = fields.Boolean(related="participant_id.is_test")
    action_type = fields.Selection(related="step_id.action_type")
    mailing_trace_ids = fields.One2many("mailing.trace", "marketing_workflow_trace_id", string="Messages")
    mailing_trace_status = fields.Selection(
        related="mailing_trace_ids.trace_status", string="Message Status", readonly=True
    )
    activity_id = fields.Many2one("mail.activity", readonly=True, ondelete="set null")
    lead_created_id = fields.Many2one("crm.lead", string="Created Lead", readonly=True, ondelete="set null")
    channel_used = fields.Selection(
        CHANNELS, string="Channel", readonly=True, help="Best-channel steps: how the contact was reached."
    )
    channel_reason = fields.Char("Why This Channel", readonly=True)
    first_due_date = fields.Datetime(
        "First Due",
        readonly=True,
        help="Steps sent at each contact's best time: when the step first became due; the best time is looked for "
        "within the step's window from then.",
    )

    def init(self):
        # a participant passes each step once: the guarantee against a second send
        self.env.cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS marketing_workflow_trace_once
                   ON marketing_workflow_trace (participant_id, step_id)"""
        )
        # the cron's queue, in the order it is taken: due traces only
        self.env.cr.execute("DROP INDEX IF EXISTS marketing_workflow_trace_due")
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS marketing_workflow_trace_due_order
                   ON marketing_workflow_trace (schedule_date, id) WHERE state = 'scheduled'"""
        )
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS marketing_workflow_trace_waiting
                   ON marketing_workflow_trace (expiry_date) WHERE state = 'waiting'"""
        )
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS marketing_workflow_trace_sending
                   ON marketing_workflow_trace (date_processed) WHERE state = 'sending'"""
        )

    # ------------------------------------------------------------------
    # The batch
    # ------------------------------------------------------------------

    @api.model
    def _process_due(self, now, batch_size):
        """Claim one batch of due traces (SKIP LOCKED) and run it; returns how many were taken."""
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT t.id FROM marketing_workflow_trace t
                 JOIN marketing_workflow w ON w.id = t.workflow_id
                 JOIN marketing_workflow_participant p ON p.id = t.participant_id
                WHERE t.state = 'scheduled' AND t.schedule_date <= %s AND (w.state = 'running' OR p.is_test)
                ORDER BY t.schedule_date, t.id
                LIMIT %s
                  FOR UPDATE OF t SKIP LOCKED""",
            [now, batch_size],
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        if ids:
            self.browse(ids)._lock_written_records(now)._process(now)
        return len(ids)

    def _lock_written_records(self, now):
        """Lock the records these traces' steps will write; returns the traces whose records are locked or need none.

        With several workers, a scoring or recommendation batch can change a contact between this
        transaction's snapshot and the step's write; PostgreSQL then refuses the write, Odoo logs it
        as a bad query and the step is postponed. Locked here, right after the claim, the records stay
        ours until the batch commits. A record changed since the snapshot, or held by another process
        now, is found without a logged error, and its traces are postponed.
        """
        writing = self.filtered(lambda t: t.step_id.action_type in RECORD_WRITING_ACTIONS)
        blocked = self.browse()
        for model_name in set(writing.workflow_id.mapped("model_name")):
            traces = writing.filtered(lambda t, m=model_name: t.workflow_id.model_name == m)
            table = SQL.identifier(self.env[model_name]._table)
            res_ids = sorted(set(traces.participant_id.mapped("res_id")))
            self.env.cr.execute(SQL("SELECT id FROM %s WHERE id = ANY(%s)", table, res_ids))
            existing = {row[0] for row in self.env.cr.fetchall()}  # a deleted record is rejected later
            unlocked = existing - self._lock_rows(table, res_ids)
            blocked |= traces.filtered(lambda t, u=unlocked: t.participant_id.res_id in u)
        if blocked:
            blocked._postpone(now)
        return self - blocked

    def _lock_rows(self, table, res_ids):
        """The ids among ``res_ids`` this transaction could lock (FOR NO KEY UPDATE), without waiting or logging."""

        def lock(ids):
            try:
                with self.env.cr.savepoint(flush=False):
                    self.env.cr.execute(
                        SQL("SELECT id FROM %s WHERE id = ANY(%s) FOR NO KEY UPDATE SKIP LOCKED", table, ids),
                        log_exceptions=False,
                    )
                    return {row[0] for row in self.env.cr.fetchall()}
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                return None

        locked = lock(res_ids)
        if locked is not None:
            return locked
        # some row changed since this transaction's snapshot: which ones, one at a time
        return {res_id for res_id in res_ids if lock([res_id])}

    def _process(self, now):
        """Run these traces (already claimed): per step, decide the branch, act, schedule what follows."""
        self.env.cr.execute("SET LOCAL jit = off")
        traces = self.filtered(lambda t: t.state == "scheduled")
        # a stay that ended (goal, exit) leaves nothing to run
        ended = traces.filtered(lambda t: t.participant_id.state != "running")
        if ended:
            ended._set_state("canceled", self.env._("The participant has left the journey."), now)
        traces -= ended
        for workflow in traces.workflow_id:
            workflow._apply_goal(now, traces.filtered(lambda t, w=workflow: t.workflow_id == w).participant_id.ids)
        traces = traces.filtered(lambda t: t.participant_id.state == "running")
        done = self.browse()
        for step in traces.step_id:
            step_traces = traces.filtered(lambda t, s=step: t.step_id == s)
            done |= step_traces._run_step(step, now)
        done._schedule_children(now)
        self.participant_id._complete_finished(now)
        return done

    def _run_step(self, step, now):
        """Run traces of one step; returns those that went through (for their children)."""
        # a delivery retry passed its branch or split already: it is not decided again
        retries = self.filtered("attempts") if step.action_type in MESSAGE_ACTIONS else self.browse()
        traces = (self - retries)._decide(step, now) | retries
        if not traces:
            return traces
        # one record can be in the batch twice (a test run beside the real one): one send per batch
        seen, first_ids = set(), []
        for trace in traces:
            if trace.participant_id.res_id not in seen:
                seen.add(trace.participant_id.res_id)
                first_ids.append(trace.id)
        # the others stay scheduled for the next batch
        traces = self.browse(first_ids)
        if step.best_time and step.action_type in ("email", "sms"):
            traces = traces._hold_best_time(step, now)
        if step.wait_send_time:
            traces = traces._hold_quiet_hours(now)
        try:
            with self.env.cr.savepoint():
                traces._execute(step, now)
        except (UserError, ValidationError, ValueError, KeyError, TypeError, PsycopgError) as error:
            if len(traces) == 1:
                traces._fail_or_postpone(error, now)
                return self.browse()
            # find the culprit(s): one at a time, each in its own savepoint
            for trace in traces:
                try:
                    with self.env.cr.savepoint():
                        trace._execute(step, now)
                except (UserError, ValidationError, ValueError, KeyError, TypeError, PsycopgError) as single_error:
                    trace._fail_or_postpone(single_error, now)
        return traces.filtered(lambda t: t.state == "processed")

    def _fail_or_postpone(self, error, now):
        """A step that failed is recorded as failed, unless another process was changing its record.

        A concurrent update (another worker scoring the contact, a user editing it) makes
        PostgreSQL refuse to lock the row in this transaction's snapshot: nothing is wrong
        with the step, and a later batch, with a new snapshot, runs it.
        """
        if not isinstance(error, PG_CONCURRENCY_EXCEPTIONS_TO_RETRY):
            self._set_state("error", _message(error), now)
            return
        self._postpone(now)

    def _postpone(self, now):
        """Run again after ``CONCURRENCY_RETRY_DELAY``: another process was changing the record."""
        self.env.cr.execute(
            "UPDATE marketing_workflow_trace SET schedule_date = %s, note = %s WHERE id = ANY(%s)",
            [now + CONCURRENCY_RETRY_DELAY, self.env._("Postponed: the record was being changed elsewhere."), self.ids],
        )
        self.invalidate_recordset(["schedule_date", "note"])

    def _decide(self, step, now):
        """Branch and split conditions are decided when due; the others ran their course already."""
        if step.condition in ("branch_true", "branch_false"):
            matching = step._matching_ids(self.participant_id.mapped("res_id"))
            wanted = step.condition == "branch_true"
            failing = self.filtered(lambda t: (t.participant_id.res_id in matching) != wanted)
            failing._set_state("canceled", self.env._("Condition not met"), now)
            return self - failing
        if step.condition == "split":
            siblings = (
                step.parent_id.child_ids
                if step.parent_id
                else step.workflow_id.step_ids.filtered(lambda s: not s.parent_id)
            )
            branches = [
                (s.id, s.split_percent) for s in siblings.filtered(lambda s: s.condition == "split").sorted("id")
            ]
            salt = step.parent_id.id or 0
            other = self.filtered(lambda t: pick_split(t.participant_id.id, branches, salt) != step.id)
            other._set_state("canceled", self.env._("Other branch of the split"), now)
            return self - other
        if step.condition == "not_clicked" and step.opened_only:
            self.env.cr.execute(
                """SELECT t.id FROM marketing_workflow_trace t
                    WHERE t.id = ANY(%s) AND NOT EXISTS (
                          SELECT 1 FROM mailing_trace mt WHERE mt.marketing_workflow_trace_id = t.parent_trace_id
                                AND (mt.open_datetime IS NOT NULL OR mt.trace_status IN ('open', 'reply')))""",
                [self.ids],
            )
            unopened = self.browse([row[0] for row in self.env.cr.fetchall()])
            unopened._set_state("canceled", self.env._("Did not open the email"), now)
            return self - unopened
        return self

    def _execute(self, step, now):
        records = self.env[step.workflow_id.model_name].browse(self.participant_id.mapped("res_id"))
        existing = records.exists()
        if existing != records:
            gone = self.filtered(lambda t: t.participant_id.res_id not in existing.ids)
            gone._set_state("rejected", self.env._("The record was deleted"), now)
            traces = self - gone
            records = self.env[step.workflow_id.model_name].browse(traces.participant_id.mapped("res_id"))
        else:
            traces = self
        if not traces:
            return
        step.with_context(marketing_workflow_now=now)._run_action(traces, records, now)
        # what the action did not mark otherwise went through
        self.env.cr.execute(
            """UPDATE marketing_workflow_trace
                  SET state = 'processed', date_processed = %s, attempts = COALESCE(attempts, 0) + 1
                WHERE id = ANY(%s) AND state = 'scheduled' AND schedule_date <= %s""",
            [now, traces.ids, now],
        )
        self.invalidate_recordset(["state", "date_processed", "attempts"])

    def _set_state(self, state, note, now):
        if not self:
            return
        self.env.cr.execute(
            "UPDATE marketing_workflow_trace SET state = %s, note = %s, date_processed = %s WHERE id = ANY(%s)",
            [state, note, now, self.ids],
        )
        self.invalidate_recordset(["state", "note", "date_processed"])

    def _retry_or_fail(self, note, now, retries):
        """Try again later (1, 2, 4… minutes), or record the failure once the retries are used."""
        self.ensure_one()
        self.flush_recordset()
        if self.attempts + 1 >= retries:
            self._set_state("error", note, now)
            self.env.cr.execute(
                "UPDATE marketing_workflow_trace SET attempts = COALESCE(attempts, 0) + 1 WHERE id = %s", [self.id]
            )
        else:
            self.env.cr.execute(
                """UPDATE marketing_workflow_trace SET attempts = COALESCE(attempts, 0) + 1, note = %s,
                          schedule_date = %s::timestamp + (2 ^ COALESCE(attempts, 0)) * INTERVAL '1 minute'
                    WHERE id = %s""",
                [note, now + timedelta(seconds=1), self.id],
            )
        self.invalidate_recordset(["state", "note", "attempts", "schedule_date"])

    # ------------------------------------------------------------------
    # Safety at send time
    # ------------------------------------------------------------------

    def _safety_check(self, channel, now):
        """Reject what may not be sent (reason recorded), hold back what may not be sent *now*.

        Returns the traces that may be sent now.
        """
        if not self:
            return self
        step = self.step_id
        workflow = step.workflow_id
        model = self.env[workflow.model_name]
        table = SQL.identifier(model._table)
        partner = SQL("r.id") if model._name == "res.partner" else SQL("r.partner_id")
        bounce_limit = int(self.env["ir.config_parameter"].sudo().get_param("marketing_automation_ext.bounce_limit", 3))
        if channel == "email":
            address = SQL("r.email_normalized")
            listed = SQL("EXISTS (SELECT 1 FROM mail_blacklist b WHERE b.email = r.email_normalized AND b.active)")
            bounced = SQL("COALESCE(r.message_bounce, 0) >= %s", bounce_limit) if bounce_limit else SQL("false")
        else:
            address = SQL("r.phone_sanitized")
            listed = SQL("EXISTS (SELECT 1 FROM phone_blacklist b WHERE b.number = r.phone_sanitized AND b.active)")
            bounced = SQL("false")
        self.env.cr.execute(
            SQL(
                """SELECT t.id, %(address)s, %(listed)s, %(bounced)s,
                          COALESCE((SELECT tz FROM res_partner WHERE id = %(partner)s), %(default_tz)s), p.is_test
                     FROM marketing_workflow_trace t
                     JOIN marketing_workflow_participant p ON p.id = t.participant_id
                     JOIN %(table)s r ON r.id = p.res_id
                    WHERE t.id = ANY(%(ids)s)""",
                address=address,
                listed=listed,
                bounced=bounced,
                partner=partner,
                default_tz=workflow.user_id.tz or "UTC",
                table=table,
                ids=self.ids,
            )
        )
        rows = self.env.cr.fetchall()
        rejected, held, allowed = {}, {}, []
        for trace_id, address_value, is_listed, is_bounced, tz, is_test in rows:
            if not address_value:
                rejected[trace_id] = (
                    self.env._("No email address") if channel == "email" else self.env._("No mobile number")
                )
            elif is_listed:
                rejected[trace_id] = self.env._("Blacklisted / opted out")
            elif is_bounced:
                rejected[trace_id] = self.env._("Address bounces")
            elif workflow.quiet_hours and not is_test:  # quiet hours spare recipients, not a marketer's test
                allowed_at = next_allowed_time(now, tz, workflow.quiet_start, workflow.quiet_end)
                if allowed_at > now:
                    held[trace_id] = (allowed_at, self.env._("Held back: quiet hours"))
                else:
                    allowed.append((trace_id, address_value))
            else:
                allowed.append((trace_id, address_value))
        # the cap counts this batch too: two contacts sharing an address get one message if the cap is 1
        room = self._frequency_room(channel, [address for _trace, address in allowed], now)
        for trace_id, address_value in allowed:
            if address_value not in room:
                continue
            left, when = room[address_value]
            if left <= 0:
                held[trace_id] = (when, self.env._("Held back: frequency cap reached"))
            else:
                room[address_value] = (left - 1, when)
        for reason in set(rejected.values()):
            self.browse([tid for tid, r in rejected.items() if r == reason])._set_state("rejected", reason, now)
        for trace_id, (allowed_at, note) in held.items():
            self.env.cr.execute(
                "UPDATE marketing_workflow_trace SET schedule_date = %s, note = %s WHERE id = %s",
                [allowed_at, note, trace_id],
            )
        self.invalidate_recordset(["schedule_date", "note"])
        sendable_ids = {tid for tid, _address in allowed if tid not in held}
        return self.filtered(lambda t: t.id in sendable_ids)

    @api.model
    def _frequency_capped(self, channel, addresses, now):
        """{address: when it may receive again} for addresses at the global frequency cap."""
        return {
            address: when
            for address, (room, when) in self._frequency_room(channel, addresses, now).items()
            if room <= 0
        }

    def _frequency_room(self, channel, addresses, now):
        """{address: (messages it may still get now, when it may receive again once full)} under the
        global frequency cap; empty when there is no cap."""
        params = self.env["ir.config_parameter"].sudo()
        cap = int(params.get_param("marketing_automation_ext.frequency_cap", 0) or 0)
        days = int(params.get_param("marketing_automation_ext.frequency_days", 7) or 7)
        if not cap or not addresses:
            return {}
        column = "email" if channel == "email" else "sms_number"
        since = now - timedelta(days=days)
        unique = list(set(addresses))
        self.env.cr.execute(
            SQL(
                """SELECT %(column)s, count(*), min(create_date) FROM mailing_trace
                    WHERE %(column)s = ANY(%(addresses)s) AND create_date >= %(since)s
                          AND trace_status NOT IN ('cancel', 'error')
                    GROUP BY 1""",
                column=SQL.identifier(column),
                addresses=unique,
                since=since,
            )
        )
        sent = {address: (count, oldest) for address, count, oldest in self.env.cr.fetchall()}
        room = {}
        for address in unique:
            count, oldest = sent.get(address, (0, now))
            room[address] = (cap - count, max(oldest + timedelta(days=days), now + FREQUENCY_DEFER))
        return room

    def _hold_quiet_hours(self, now):
        """'At the next allowed send time': hold traces whose contact is in quiet hours; returns the rest
        (a test run is not held: the marketer who started it wants to see the step now)."""
        workflow = self.workflow_id[:1]
        if not workflow.quiet_hours:
            return self
        allowed_in_zone, held = {}, {}
        for trace in self.filtered(lambda trace: not trace.participant_id.is_test):
            tz = trace.participant_id.partner_id.tz or workflow.user_id.tz or "UTC"
            if tz not in allowed_in_zone:
                allowed_in_zone[tz] = next_allowed_time(now, tz, workflow.quiet_start, workflow.quiet_end)
            if allowed_in_zone[tz] > now:
                held.setdefault(allowed_in_zone[tz], []).append(trace.id)
        # one write per time zone held, not one per trace (a night batch holds hundreds)
        note = self.env._("Held back: quiet hours")
        for allowed_at, ids in held.items():
            self.browse(ids).write({"schedule_date": allowed_at, "note": note})
        return self - self.browse([trace_id for ids in held.values() for trace_id in ids])

    # ------------------------------------------------------------------
    # Best time and best channel (learned per contact: marketing.recommendation's cron)
    # ------------------------------------------------------------------

    def _contact_sql(self, columns):
        """Rows ``(trace id, *columns)`` of each trace's contact (``rp``: the partner, or the lead's partner)."""
        model = self.env[self.workflow_id[:1].model_name]
        partner = SQL("r.id") if model._name == "res.partner" else SQL("r.partner_id")
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """SELECT t.id, %(columns)s
                     FROM marketing_workflow_trace t
                     JOIN marketing_workflow_participant p ON p.id = t.participant_id
                     JOIN %(table)s r ON r.id = p.res_id
                     LEFT JOIN res_partner rp ON rp.id = %(partner)s
                    WHERE t.id = ANY(%(ids)s)""",
                columns=SQL(", ").join(SQL.identifier("rp", column) for column in columns),
                table=SQL.identifier(model._table),
                partner=partner,
                ids=self.ids,
            )
        )
        return self.env.cr.fetchall()

    def _hold_best_time(self, step, now):
        """'At each contact's best time': hold each trace until its contact's best local hour of the week
        (``marketing_best_weekday`` / ``_hour`` / ``_tz``) if that comes within the step's window, counted
        from when the trace first became due (``first_due_date``); else, or when it is unknown, let it go.

        Decided once per trace: when the held time comes (or quiet hours or the frequency cap held it
        after), it is not held again. Delivery retries are never held. Returns the traces to run now.
        """
        fresh = self.filtered(lambda t: not t.first_due_date and not t.attempts)
        if not fresh:
            return self
        self.env.cr.execute(
            """UPDATE marketing_workflow_trace SET first_due_date = LEAST(COALESCE(schedule_date, %s), %s)
                WHERE id = ANY(%s) RETURNING id, first_due_date""",
            [now, now, fresh.ids],
        )
        first_due = dict(self.env.cr.fetchall())
        rows = fresh._contact_sql(["marketing_best_weekday", "marketing_best_hour", "marketing_best_tz", "tz"])
        default_tz = step.workflow_id.user_id.tz or "UTC"
        held = {}
        for trace_id, weekday, hour, best_tz, tz in rows:
            if weekday is None or hour is None or weekday < 0:
                continue  # not known: at once
            zone = best_tz or tz or default_tz
            deadline = add_interval(first_due[trace_id], step.best_time_within_amount, step.best_time_within_unit)
            moment = next_slot_time(now, weekday, hour, zone, deadline - now)
            if moment and moment > now:
                held[trace_id] = (
                    moment,
                    self.env._(
                        "Held for the contact's best time: %(when)s (%(zone)s)",
                        when=format_datetime(self.env, moment, tz=zone, dt_format="EEE HH:mm"),
                        zone=zone,
                    ),
                )
        for trace_id, (moment, note) in held.items():
            self.env.cr.execute(
                "UPDATE marketing_workflow_trace SET schedule_date = %s, note = %s WHERE id = %s",
                [moment, note, trace_id],
            )
        self.invalidate_recordset(["first_due_date", "schedule_date", "note"])
        return self.filtered(lambda t: t.id not in held)

    def _choose_channel(self, step):
        """{trace id: (channel or False, reason)} for a best-channel step; recorded on the traces.

        A delivery retry keeps the channel it was sent on. A contact that prefers SMS gets the
        email when the step has no SMS; one whose preference is not computed yet (or a lead
        without a contact) gets the email. No reachable channel: False (the step rejects it).
        """
        retried = {t.id: (t.channel_used, t.channel_reason) for t in self if t.attempts and t.channel_used}
        others = self.filtered(lambda t: t.id not in retried)
        rows = {}
        if others:
            rows = {
                row[0]: row[1:]
                for row in others._contact_sql(["id", "marketing_preferred_channel", "marketing_channel_reason"])
            }
        labels = dict(self._fields["channel_used"]._description_selection(self.env))
        choices = dict(retried)
        for trace in others:
            partner_id, channel, reason = rows.get(trace.id, (None, None, None))
            if not partner_id or not (channel or reason):
                channel, reason = "email", self.env._("no preference known yet")
            elif channel == "sms" and not step.sms_mailing_id:
                channel, reason = "email", self.env._("%s; the step has no SMS", reason)
            choices[trace.id] = (channel or False, reason or "")
        for (channel, reason), ids in _group(choices).items():
            note = (
                self.env._("Channel: %(channel)s — %(reason)s", channel=labels[channel], reason=reason)
                if channel
                else self.env._("No reachable channel: %s", reason)
            )
            self.env.cr.execute(
                """UPDATE marketing_workflow_trace SET channel_used = %s, channel_reason = %s, note = %s
                    WHERE id = ANY(%s)""",
                [channel or None, reason, note, ids],
            )
        self.invalidate_recordset(["channel_used", "channel_reason", "note"])
        return choices

    # ------------------------------------------------------------------
    # What follows
    # ------------------------------------------------------------------

    @api.model
    def _forget_inserted_traces(self):
        """After traces were inserted in SQL: the trace cache, and the steps' and participants' lists of
        traces, which the ORM would otherwise go on serving without the new rows."""
        self.invalidate_model()
        self.env["marketing.workflow.step"].invalidate_model(["trace_ids"])
        self.env["marketing.workflow.participant"].invalidate_model(["trace_ids"])

    def _schedule_children(self, now):
        """One INSERT: timers and 'not … within' are scheduled, reactions wait for their event."""
        if not self:
            return
        Step = self.env["marketing.workflow.step"]
        self.env.cr.execute(
            SQL(
                """INSERT INTO marketing_workflow_trace
                          (participant_id, workflow_id, step_id, parent_trace_id, state, schedule_date, expiry_date,
                           attempts, create_uid, create_date, write_uid, write_date)
                   SELECT t.participant_id, t.workflow_id, c.id, t.id,
                          CASE WHEN c.condition IN %(positive)s THEN 'waiting' ELSE 'scheduled' END,
                          CASE WHEN c.condition IN %(positive)s THEN NULL ELSE %(now)s::timestamp + %(delay)s END,
                          CASE WHEN c.condition IN %(positive)s THEN %(now)s::timestamp + %(window)s END,
                          0, %(uid)s, %(now)s, %(uid)s, %(now)s
                     FROM marketing_workflow_trace t
                     JOIN marketing_workflow_participant p ON p.id = t.participant_id AND p.state = 'running'
                     JOIN marketing_workflow_step c ON c.parent_id = t.step_id
                    WHERE t.id = ANY(%(ids)s) AND t.state = 'processed'
                   ON CONFLICT DO NOTHING""",
                positive=POSITIVE,
                now=now,
                delay=Step._delay_sql("c"),
                window=Step._window_sql("c"),
                uid=self.env.uid,
                ids=self.ids,
            )
        )
        # after a best-channel step, "opened" and the like do not apply to those reached on another channel
        mismatch = SQL(" OR ").join(
            SQL("(s.condition = %s AND t.channel_used NOT IN %s)", condition, channels)
            for condition, channels in CONDITION_CHANNELS.items()
        )
        self.env.cr.execute(
            SQL(
                """UPDATE marketing_workflow_trace c
                      SET state = 'canceled', note = %(note)s, date_processed = %(now)s, expiry_date = NULL
                     FROM marketing_workflow_trace t, marketing_workflow_step s
                    WHERE t.id = ANY(%(ids)s) AND t.channel_used IS NOT NULL AND c.parent_trace_id = t.id
                          AND s.id = c.step_id AND c.state IN ('waiting', 'scheduled') AND (%(mismatch)s)""",
                note=self.env._("The contact was reached on another channel"),
                now=now,
                ids=self.ids,
                mismatch=mismatch,
            )
        )
        self._forget_inserted_traces()

    # ------------------------------------------------------------------
    # Delivery outcomes (the message left the journey's hands: Odoo's mail or SMS queue)
    # ------------------------------------------------------------------

    @api.model
    def _retry_settings(self):
        """(retries after the first attempt, delays in minutes) from Settings; defaults when unreadable."""
        params = self.env["ir.config_parameter"].sudo()
        try:
            retries = max(0, int(params.get_param("marketing_automation_ext.delivery_retries", 4)))
        except ValueError:
            retries = 4
        try:
            delays = parse_retry_delays(params.get_param("marketing_automation_ext.delivery_retry_delays", ""))
        except ValueError:
            delays = list(DEFAULT_RETRY_DELAYS)
        return retries, delays

    @api.model
    def _apply_delivery_outcomes(self, outcomes, now=None):
        """What became of messages sent by journey traces in state 'sending'.

        ``outcomes``: ``[(trace id, mailing.trace status, failure type, failure reason)]``.
        Delivered: the step is done and its children are scheduled from now.
        Failed for a passing reason: the step is scheduled again after the configured
        delay (its participant stays in the journey), until the retries are used up.
        Failed for good (or out of retries): the step fails with the reason; only its
        "bounced / not delivered" children follow.
        """
        if not outcomes:
            return
        now = now or fields.Datetime.now()
        by_id = {trace_id: (status, failure_type, reason) for trace_id, status, failure_type, reason in outcomes}
        # the row lock orders this against a worker that would handle the same trace
        self.env.cr.execute(
            """SELECT id, COALESCE(attempts, 0), COALESCE(attempt_log, '') FROM marketing_workflow_trace
                WHERE id = ANY(%s) AND state = 'sending' ORDER BY id FOR UPDATE""",
            [list(by_id)],
        )
        rows = self.env.cr.fetchall()
        delivered, retried, failed = [], [], []  # failed: (id, state, note, log)
        retries, delays = self._retry_settings()
        labels = dict(self.env["mailing.trace"]._fields["failure_type"]._description_selection(self.env))
        for trace_id, attempts, log in rows:
            status, failure_type, reason = by_id[trace_id]
            if status in DELIVERED_STATUSES:
                delivered.append(trace_id)
                continue
            # one line per attempt: Odoo's failure reasons may span several
            reason = " ".join((reason or "").split())[:300]
            why = ": ".join(part for part in (labels.get(failure_type), reason) if part)
            why = why or self.env._("Not delivered")
            transient = is_transient(failure_type, reason)
            delay = retry_delay(attempts, retries, delays) if transient else None
            stamp = "%s UTC" % fields.Datetime.to_string(now)[:16]
            if delay:
                retry_at = now + delay
                note = self.env._(
                    "Attempt %(attempt)s failed, next try at %(when)s UTC: %(why)s",
                    attempt=attempts,
                    when=fields.Datetime.to_string(retry_at)[:16],
                    why=why,
                )
                retried.append((trace_id, retry_at, note[:500], "%s%s · %s\n" % (log, stamp, note)))
            elif transient:
                note = self.env._("Not delivered after %(count)s attempt(s): %(why)s", count=attempts, why=why)
                failed.append((trace_id, "error", note[:500], "%s%s · %s\n" % (log, stamp, note)))
            else:
                note = self.env._("Refused: %s", why)
                failed.append((trace_id, "rejected", note[:500], "%s%s · %s\n" % (log, stamp, note)))
        if delivered:
            self.env.cr.execute(
                """UPDATE marketing_workflow_trace SET state = 'processed', date_processed = %s, note = NULL
                    WHERE id = ANY(%s)""",
                [now, delivered],
            )
        # a mail server down fails a whole queue at once: one statement for each outcome
        if retried:
            self.env.cr.execute(
                SQL(
                    """UPDATE marketing_workflow_trace t
                          SET state = 'scheduled', schedule_date = v.retry_at, note = v.note, attempt_log = v.log
                         FROM (VALUES %s) AS v(id, retry_at, note, log)
                        WHERE t.id = v.id""",
                    SQL(", ").join(SQL("(%s, %s::timestamp, %s, %s)", *row) for row in retried),
                )
            )
        if failed:
            self.env.cr.execute(
                SQL(
                    """UPDATE marketing_workflow_trace t
                          SET state = v.state, date_processed = %s, note = v.note, attempt_log = v.log
                         FROM (VALUES %s) AS v(id, state, note, log)
                        WHERE t.id = v.id""",
                    now,
                    SQL(", ").join(SQL("(%s, %s, %s, %s)", *row) for row in failed),
                )
            )
        self.invalidate_model()
        self.browse(delivered)._schedule_children(now)
        self.browse([row[0] for row in failed])._schedule_undelivered_children(now)
        if retried:
            self.env.ref("marketing_automation_ext.ir_cron_marketing_workflow")._trigger(min(r[1] for r in retried))
        self.browse([row[0] for row in rows]).participant_id._complete_finished(now)

    def _schedule_undelivered_children(self, now):
        """Messages that could not be delivered: their 'bounced or not delivered' children are due after their wait."""
        if not self:
            return
        self.env.cr.execute(
            SQL(
                """INSERT INTO marketing_workflow_trace
                          (participant_id, workflow_id, step_id, parent_trace_id, state, schedule_date, attempts,
                           create_uid, create_date, write_uid, write_date)
                   SELECT t.participant_id, t.workflow_id, c.id, t.id, 'scheduled', %(now)s::timestamp + %(wait)s, 0,
                          %(uid)s, %(now)s, %(uid)s, %(now)s
                     FROM marketing_workflow_trace t
                     JOIN marketing_workflow_participant p ON p.id = t.participant_id AND p.state = 'running'
                     JOIN marketing_workflow_step c ON c.parent_id = t.step_id AND c.condition = 'bounced'
                    WHERE t.id = ANY(%(ids)s) AND t.state IN ('error', 'rejected')
                   ON CONFLICT DO NOTHING""",
                now=now,
                wait=self.env["marketing.workflow.step"]._wait_sql("c"),
                uid=self.env.uid,
                ids=self.ids,
            )
        )
        self._forget_inserted_traces()

    def _marketing_drop_failed_messages(self):
        """Before a delivery retry: the failed message of each trace goes (mailing.trace, mail or SMS),
        so the retry's message replaces it and no one can resend the old one by hand."""
        self.env.cr.execute(
            """SELECT id, mail_mail_id_int, sms_id_int FROM mailing_trace
                WHERE marketing_workflow_trace_id = ANY(%s) AND trace_status IN %s""",
            [self.ids, FAILED_STATUSES],
        )
        rows = self.env.cr.fetchall()
        if not rows:
            return
        self.env["mail.mail"].sudo().browse([r[1] for r in rows if r[1]]).exists().unlink()
        self.env["sms.sms"].sudo().browse([r[2] for r in rows if r[2]]).exists().unlink()
        self.env["mailing.trace"].sudo().browse([r[0] for r in rows]).exists().unlink()

    @api.model
    def _recall_queued(self, participant_ids, reason, now):
        """Messages of these participants still waiting in Odoo's mail or SMS queue are withdrawn:
        someone who left the journey, converted, or whose journey was stopped gets nothing more.

        A message the queue has already handed to the mail server or SMS gateway cannot be
        recalled; its step keeps its delivery outcome. Returns the number of steps recalled."""
        if not participant_ids:
            return 0
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT t.id, mt.id, mt.mail_mail_id_int, mt.sms_id_int
                 FROM marketing_workflow_trace t
                 JOIN mailing_trace mt ON mt.marketing_workflow_trace_id = t.id
                WHERE t.participant_id = ANY(%s) AND t.state = 'sending' AND mt.trace_status = 'outgoing'""",
            [list(participant_ids)],
        )
        rows = self.env.cr.fetchall()
        if not rows:
            return 0
        # only what is still queued: the state test and the row lock keep a message the queue's cron
        # is sending right now out of the recall
        self.env.cr.execute(
            """UPDATE mail_mail SET state = 'cancel', failure_reason = %s
                WHERE id IN (SELECT id FROM mail_mail WHERE id = ANY(%s) AND state = 'outgoing'
                             FOR UPDATE SKIP LOCKED)
            RETURNING id""",
            [reason, [row[2] for row in rows if row[2]]],
        )
        mails = {row[0] for row in self.env.cr.fetchall()}
        self.env.cr.execute(
            """UPDATE sms_sms SET state = 'canceled', to_delete = TRUE
                WHERE id IN (SELECT id FROM sms_sms WHERE id = ANY(%s) AND state = 'outgoing'
                             FOR UPDATE SKIP LOCKED)
            RETURNING id""",
            [[row[3] for row in rows if row[3]]],
        )
        texts = {row[0] for row in self.env.cr.fetchall()}
        recalled = [row for row in rows if row[2] in mails or row[3] in texts]
        if not recalled:
            return 0
        self.env.cr.execute(
            "UPDATE mailing_trace SET trace_status = 'cancel', failure_reason = %s WHERE id = ANY(%s)",
            [reason, [row[1] for row in recalled]],
        )
        self.env.cr.execute(
            """UPDATE marketing_workflow_trace SET state = 'canceled', note = %s, date_processed = %s
                WHERE id = ANY(%s) AND state = 'sending'""",
            [self.env._("Recalled before sending: %s", reason), now, [row[0] for row in recalled]],
        )
        for model in ("mail.mail", "sms.sms", "mailing.trace", "marketing.workflow.trace"):
            self.env[model].invalidate_model()
        return len(recalled)

    @api.model
    def _reconcile_sending(self, now):
        """The safety net behind the mailing.trace hook: messages whose outcome reached Odoo some other
        way are applied, and those whose queued mail or SMS was deleted before it went out fail.

        Returns the number of traces settled."""
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT t.id, mt.trace_status, mt.failure_type, COALESCE(mt.failure_reason, mm.failure_reason)
                 FROM marketing_workflow_trace t
                 JOIN mailing_trace mt ON mt.marketing_workflow_trace_id = t.id
                 LEFT JOIN mail_mail mm ON mm.id = mt.mail_mail_id_int
                WHERE t.state = 'sending' AND t.date_processed < %s AND mt.trace_status IN %s""",
            [now - RECONCILE_AFTER, DELIVERY_STATUSES],
        )
        outcomes = self.env.cr.fetchall()
        self._apply_delivery_outcomes(outcomes, now)
        self.env.cr.execute(
            """WITH lost AS (
                   UPDATE marketing_workflow_trace t SET state = 'error', note = %s, date_processed = %s
                    WHERE t.state = 'sending' AND t.date_processed < %s
                          AND NOT EXISTS (
                              SELECT 1 FROM mailing_trace mt
                               WHERE mt.marketing_workflow_trace_id = t.id
                                     AND (mt.trace_status NOT IN ('outgoing', 'cancel')
                                          OR EXISTS (SELECT 1 FROM mail_mail m WHERE m.id = mt.mail_mail_id_int)
                                          OR EXISTS (SELECT 1 FROM sms_sms s WHERE s.id = mt.sms_id_int)))
                RETURNING t.participant_id
               )
               SELECT participant_id FROM lost""",
            [self.env._("The queued message was deleted before it was sent"), now, now - LOST_MESSAGE_AFTER],
        )
        participant_ids = [row[0] for row in self.env.cr.fetchall()]
        if participant_ids:
            self.invalidate_model()
            self.env["marketing.workflow.participant"].browse(participant_ids)._complete_finished(now)
        return len(outcomes) + len(participant_ids)

    @api.model
    def _react_to_events(self, event_ids):
        """Tracking events meet or defeat the engagement conditions waiting on their message.

        One statement each: 'opened'/'clicked'/… children waiting on the message's
        trace are scheduled (event time + their wait); 'not opened within'…
        children are cancelled. Returns the number of traces moved.
        """
        if not event_ids:
            return 0
        Step = self.env["marketing.workflow.step"]
        matches = SQL(" OR ").join(
            SQL("(s.condition = %s AND e.event_type IN %s)", condition, events)
            for condition, events in CONDITION_EVENTS.items()
        )
        link_filter = SQL(
            "(s.condition NOT IN ('clicked', 'not_clicked') OR COALESCE(s.link_url, '') = ''"
            " OR e.url ILIKE '%%' || s.link_url || '%%')"
        )
        self.env.cr.execute(
            SQL(
                """WITH hit AS MATERIALIZED (
                       SELECT c.id, s.condition, min(e.date) AS date
                         FROM marketing_event e
                         JOIN mailing_trace mt ON mt.id = e.mailing_trace_id
                         JOIN marketing_workflow_trace c ON c.parent_trace_id = mt.marketing_workflow_trace_id
                         JOIN marketing_workflow_step s ON s.id = c.step_id
                        WHERE e.id = ANY(%(events)s) AND mt.marketing_workflow_trace_id IS NOT NULL
                              AND ((c.state = 'waiting' AND s.condition IN %(positive)s)
                                   OR (c.state = 'scheduled' AND s.condition IN %(negative)s))
                              AND (%(matches)s) AND %(link_filter)s
                        GROUP BY c.id, s.condition
                   ), met AS (
                       UPDATE marketing_workflow_trace t
                          SET state = 'scheduled', schedule_date = GREATEST(h.date, t.create_date) + %(wait)s,
                              expiry_date = NULL
                         FROM hit h, marketing_workflow_step s
                        WHERE t.id = h.id AND s.id = t.step_id AND h.condition IN %(positive)s
                              AND t.state = 'waiting' -- rechecked if a worker changed the row meanwhile
                    RETURNING t.id
                   ), defeated AS (
                       UPDATE marketing_workflow_trace t
                          SET state = 'canceled', note = %(note)s, date_processed = h.date
                         FROM hit h
                        WHERE t.id = h.id AND h.condition IN %(negative)s AND t.state = 'scheduled'
                    RETURNING t.participant_id
                   )
                   SELECT (SELECT count(*) FROM met) + (SELECT count(*) FROM defeated),
                          ARRAY(SELECT DISTINCT participant_id FROM defeated)""",
                events=list(event_ids),
                positive=POSITIVE,
                negative=NEGATIVE,
                matches=matches,
                link_filter=link_filter,
                wait=Step._wait_sql("s"),
                note=self.env._("The contact reacted in time"),
            )
        )
        moved, defeated_participants = self.env.cr.fetchone()
        if moved:
            self.invalidate_model()
            # a cancelled "not opened within" may have been all that was left
            self.env["marketing.workflow.participant"].browse(defeated_participants)._complete_finished(
                fields.Datetime.now()
            )
            self.env.ref("marketing_automation_ext.ir_cron_marketing_workflow")._trigger()
        return moved

    @api.model
    def _expire_waiting(self, now):
        """Reactions that did not come within their window: cancelled, the participant may be done."""
        self.env.cr.execute(
            """WITH expired AS (
                   UPDATE marketing_workflow_trace t SET state = 'canceled', note = %s, date_processed = %s
                     FROM marketing_workflow w, marketing_workflow_participant p
                    WHERE t.state = 'waiting' AND t.expiry_date <= %s
                          AND w.id = t.workflow_id AND p.id = t.participant_id
                          AND (w.state = 'running' OR p.is_test) -- a paused journey keeps its waits
                RETURNING t.participant_id
               )
               SELECT DISTINCT participant_id FROM expired""",
            [self.env._("No reaction within the window"), now, now],
        )
        participant_ids = [row[0] for row in self.env.cr.fetchall()]
        if participant_ids:
            self.invalidate_model()
            self.env["marketing.workflow.participant"].browse(participant_ids)._complete_finished(now)
        return len(participant_ids)


def _group(choices):
    """{value: [keys]} of a {key: value} dict."""
    groups = {}
    for key, value in choices.items():
        groups.setdefault(value, []).append(key)
    return groups


def _message(error):
    return str(error.args[0] if getattr(error, "args", None) else error)[:500]
