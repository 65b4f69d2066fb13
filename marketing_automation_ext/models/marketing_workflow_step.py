import json
import logging
from concurrent.futures import ThreadPoolExecutor

import requests

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL

from ..lib.domains import check_domain_applies, evaluate_domain
from ..lib.graph import find_cycle
from ..lib.journey import CONDITION_KIND, CONDITION_PARENT_ACTION, WAIT_UNITS
from .marketing_event import EVENT_TYPES
from .marketing_score_rule import TARGETS
from .marketing_segment import GRADE_FILTERS

_logger = logging.getLogger(__name__)

CONDITIONS = [
    ("after", "Right after"),
    ("opened", "Email opened"),
    ("not_opened", "Email not opened within"),
    ("clicked", "Email clicked"),
    ("not_clicked", "Email not clicked within"),
    ("replied", "Email replied"),
    ("not_replied", "Email not replied within"),
    ("bounced", "Email bounced or not delivered"),
    ("sms_clicked", "SMS clicked"),
    ("sms_not_clicked", "SMS not clicked within"),
    ("branch_true", "Condition true"),
    ("branch_false", "Condition false"),
    ("split", "A/B split"),
]
ACTIONS = [
    ("email", "Send an email"),
    ("sms", "Send an SMS"),
    ("best_channel", "Best channel: email, SMS or call"),
    ("activity", "Schedule an activity"),
    ("assign", "Assign salesperson / team"),
    ("create_lead", "Create a lead"),
    ("tag_add", "Add tags"),
    ("tag_remove", "Remove tags"),
    ("segment_add", "Add to a static segment"),
    ("segment_remove", "Remove from a static segment"),
    ("write", "Update a field"),
    ("server_action", "Run a server action"),
    ("notify", "Notify a user"),
    ("touchpoint", "Log a touchpoint (scored by its rules)"),
    ("webhook", "Call a webhook"),
    ("wait", "Nothing (a pause or a branch point)"),
    ("exit", "Exit the journey"),
]
UNITS = [(unit, unit.capitalize()) for unit in WAIT_UNITS]
WEBHOOK_RETRIES = 3
WEBHOOK_THREADS = 8


def _interval_sql(amount, unit):
    """SQL interval from a step's amount and unit columns (``make_interval`` knows no 'unit' argument)."""
    parts = {"months": "months", "weeks": "weeks", "days": "days", "hours": "hours", "minutes": "mins"}
    return SQL(", ").join(
        SQL("%s => CASE WHEN %s = %s THEN COALESCE(%s, 0) ELSE 0 END", SQL(arg), unit, name, amount)
        for name, arg in parts.items()
    )


class MarketingWorkflowStep(models.Model):
    """A node of a journey: when it runs (condition on its parent, wait) and what it does (action)."""

    _name = "marketing.workflow.step"
    _description = "Marketing Workflow Step"
    _order = "sequence, id"
    _parent_store = True

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    workflow_id = fields.Many2one("marketing.workflow", required=True, ondelete="cascade", index=True)
    model_name = fields.Selection(related="workflow_id.model_name")
    parent_id = fields.Many2one(
        "marketing.workflow.step",
        string="After Step",
        ondelete="cascade",
        index=True,
        domain="[('workflow_id', '=', workflow_id), ('id', '!=', id)]",
    )
    parent_path = fields.Char(index=True)
    child_ids = fields.One2many("marketing.workflow.step", "parent_id", string="Next Steps", copy=True)
    parent_action = fields.Selection(related="parent_id.action_type", string="Parent Action")
    # when
    condition = fields.Selection(CONDITIONS, required=True, default="after")
    window_amount = fields.Integer("Within", default=3, help="How long to wait for the parent's message reaction.")
    window_unit = fields.Selection(UNITS, default="days", required=True)
    wait_amount = fields.Integer("Then Wait", default=0)
    wait_unit = fields.Selection(UNITS, default="days", required=True)
    wait_send_time = fields.Boolean(
        "At Next Allowed Send Time", help="Then hold until the contact's quiet hours (workflow setting) are over."
    )
    opened_only = fields.Boolean(
        "Only Those Who Opened",
        help="Not clicked within: only the contacts who opened the email (a nudge), not those who never saw it.",
    )
    link_url = fields.Char("Link Contains", help="For 'clicked': only clicks on links whose URL contains this.")
    branch_domain = fields.Char("Records Matching", default="[]")
    branch_score_min = fields.Integer("Score From")
    branch_score_max = fields.Integer("Score To", default=100)
    branch_filter_score = fields.Boolean("Score Range")
    branch_grade = fields.Selection(
        [("hot", "Hot"), ("warm_hot", "Warm or hot"), ("warm", "Warm"), ("cold", "Cold")], string="Grade"
    )
    branch_segment_id = fields.Many2one("marketing.segment", string="In Segment", ondelete="restrict")
    split_percent = fields.Integer("Share (%)", default=50)
    # what
    action_type = fields.Selection(ACTIONS, string="Action", required=True, default="email")
    mailing_id = fields.Many2one(
        "mailing.mailing",
        string="Message",
        ondelete="restrict",
        domain="[('marketing_workflow_id', '=', workflow_id)]",
        copy=False,
    )
    sms_mailing_id = fields.Many2one(
        "mailing.mailing",
        string="SMS",
        ondelete="restrict",
        domain="[('marketing_workflow_id', '=', workflow_id), ('mailing_type', '=', 'sms')]",
        copy=False,
        help="Best channel: sent to the contacts who prefer SMS. Without it they get the email.",
    )
    best_time = fields.Boolean(
        "Send at Each Contact's Best Time",
        help="Hold the message until the contact's best local hour of the week (learned from when they open), "
        "if it comes within the window; otherwise, or when it is not known, send at once. "
        "Quiet hours and the frequency cap still apply.",
    )
    best_time_within_amount = fields.Integer("Best Time Within", default=1)
    best_time_within_unit = fields.Selection(UNITS, default="days", required=True)
    activity_type_id = fields.Many2one("mail.activity.type", string="Activity Type")
    activity_summary = fields.Char("Summary")
    activity_note = fields.Html("Note")
    activity_days = fields.Integer("Due In (days)", default=1)
    user_id = fields.Many2one(
        "res.users", string="User", help="Activities: when the record has no salesperson. Assign / notify: this user."
    )
    team_id = fields.Many2one("crm.team", string="Sales Team")
    partner_tag_ids = fields.Many2many("res.partner.category", string="Contact Tags")
    lead_tag_ids = fields.Many2many("crm.tag", string="Lead Tags")
    target_segment_id = fields.Many2one(
        "marketing.segment", string="Static Segment", domain="[('segment_type', '=', 'static')]", ondelete="restrict"
    )
    write_field_id = fields.Many2one(
        "ir.model.fields",
        string="Field",
        ondelete="cascade",
        domain="[('model', '=', model_name), ('store', '=', True), ('readonly', '=', False),"
        " ('ttype', 'in', ('char', 'text', 'integer', 'float', 'boolean', 'selection', 'many2one', 'date'))]",
    )
    write_value = fields.Char("Value", help="Text as typed; for a relation, the record's id.")
    server_action_id = fields.Many2one(
        "ir.actions.server", string="Server Action", domain="[('model_name', '=', model_name)]"
    )
    notify_message = fields.Text("Notification")
    event_type = fields.Selection(
        EVENT_TYPES,
        string="Touchpoint",
        default="custom",
        help="Logged in the engagement log: score rules on this type adjust the score.",
    )
    webhook_url = fields.Char("URL")
    webhook_timeout = fields.Integer("Timeout (s)", default=5)
    # figures
    trace_ids = fields.One2many("marketing.workflow.trace", "step_id", string="Traces")
    count_scheduled = fields.Integer("Scheduled", compute="_compute_figures")
    count_waiting = fields.Integer("Waiting", compute="_compute_figures")
    count_sending = fields.Integer(
        "Sending", compute="_compute_figures", help="Messages in Odoo's mail or SMS queue, or waiting for a retry."
    )
    count_processed = fields.Integer("Processed", compute="_compute_figures")
    count_rejected = fields.Integer("Rejected", compute="_compute_figures")
    count_canceled = fields.Integer("Cancelled", compute="_compute_figures")
    count_error = fields.Integer("Failed", compute="_compute_figures")
    count_sent = fields.Integer("Sent", compute="_compute_figures")
    count_opened = fields.Integer("Opened", compute="_compute_figures")
    count_clicked = fields.Integer("Clicked", compute="_compute_figures")
    count_replied = fields.Integer("Replied", compute="_compute_figures")
    count_bounced = fields.Integer("Bounced", compute="_compute_figures")
    rejection_summary = fields.Char("Rejected Because", compute="_compute_figures")

    # ------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------

    def write(self, vals):
        # say which steps loop before the parent store refuses with a bare "Recursion Detected"
        if vals.get("parent_id"):
            parent = self.browse(vals["parent_id"])
            for step in self:
                if parent == step or parent.parent_path and ("/%s/" % step.id) in "/" + parent.parent_path:
                    raise ValidationError(
                        self.env._(
                            "Step %(parent)s comes after %(step)s already: they would follow each other in a loop.",
                            parent=parent.name,
                            step=step.name,
                        )
                    )
        return super().write(vals)

    @api.constrains("parent_id", "workflow_id")
    def _check_tree(self):
        for step in self:
            if step.parent_id and step.parent_id.workflow_id != step.workflow_id:
                raise ValidationError(self.env._("Step %s follows a step of another workflow.", step.name))
        for workflow in self.workflow_id:
            edges = {step.id: [step.parent_id.id] if step.parent_id else [] for step in workflow.step_ids}
            cycle = find_cycle(edges)
            if cycle:
                names = " → ".join(self.browse(step_id).name for step_id in cycle)
                raise ValidationError(self.env._("These steps follow each other in a loop: %s", names))

    @api.constrains("condition", "parent_id", "action_type")
    def _check_condition(self):
        for step in self:
            needs = CONDITION_PARENT_ACTION.get(step.condition)
            # after a best-channel step, email conditions apply to those it emailed, SMS ones to those it texted
            if needs and step.parent_id.action_type not in (needs, "best_channel"):
                labels = dict(CONDITIONS)
                raise ValidationError(
                    self.env._(
                        "Step %(name)s reacts to '%(condition)s', so it must follow a step that sends an %(channel)s.",
                        name=step.name,
                        condition=labels[step.condition],
                        channel=needs.upper() if needs == "sms" else needs,
                    )
                )

    @api.constrains(
        "window_amount", "wait_amount", "split_percent", "activity_days", "webhook_timeout", "best_time_within_amount"
    )
    def _check_numbers(self):
        for step in self:
            if step.best_time and step.best_time_within_amount < 1:
                raise ValidationError(
                    self.env._("Step %s waits for the contact's best time within at least one unit.", step.name)
                )
            if step.window_amount < 0 or step.wait_amount < 0:
                raise ValidationError(self.env._("Waits are zero or more (step %s).", step.name))
            if CONDITION_KIND[step.condition] != "timer" and step.window_amount < 1:
                raise ValidationError(self.env._("Step %s needs a reaction window of at least one unit.", step.name))
            if step.condition == "split" and not 0 < step.split_percent <= 100:
                raise ValidationError(self.env._("A split share is a percentage from 1 to 100."))
            if not 1 <= step.webhook_timeout <= 60:
                raise ValidationError(self.env._("A webhook timeout is from 1 to 60 seconds."))
        for parent in self.parent_id:
            total = sum(parent.child_ids.filtered(lambda c: c.condition == "split").mapped("split_percent"))
            if total > 100:
                raise ValidationError(self.env._("The A/B split after %s shares more than 100%%.", parent.name))

    @api.constrains("branch_domain", "workflow_id")
    def _check_branch_domain(self):
        for step in self:
            if not step.branch_domain:
                continue
            try:
                domain = evaluate_domain(step.branch_domain)
                check_domain_applies(self.env[step.workflow_id.model_name], domain)
            except ValueError as error:
                raise ValidationError(
                    self.env._(
                        "Step %(name)s: %(domain)s is not a valid condition (%(error)s).",
                        name=step.name,
                        domain=step.branch_domain,
                        error=error,
                    )
                ) from error

    @api.constrains("write_field_id", "write_value", "action_type")
    def _check_write_value(self):
        """The value an 'update a field' step writes must fit the field, checked when saved."""
        for step in self.filtered(lambda s: s.action_type == "write" and s.write_field_id):
            field = self.env[step.write_field_id.model]._fields.get(step.write_field_id.name)
            if field is None:
                continue
            try:
                step._write_value(field)
            except (ValueError, UserError) as error:
                raise ValidationError(
                    self.env._(
                        "Step %(name)s: %(value)r is not a value for %(field)s (%(error)s).",
                        name=step.name,
                        value=step.write_value,
                        field=field.string,
                        error=error,
                    )
                ) from error

    @api.constrains("webhook_url", "action_type")
    def _check_webhook(self):
        for step in self.filtered(lambda s: s.action_type == "webhook"):
            if not (step.webhook_url or "").startswith(("http://", "https://")):
                raise ValidationError(
                    self.env._("Step %s: the webhook URL must start with http:// or https://.", step.name)
                )

    def _check_ready(self):
        """What a step needs before its workflow may start."""
        needs = {
            "email": ("mailing_id", self.env._("a message")),
            "best_channel": ("mailing_id", self.env._("an email (the SMS and the call are optional)")),
            "sms": ("mailing_id", self.env._("an SMS")),
            "segment_add": ("target_segment_id", self.env._("a static segment")),
            "segment_remove": ("target_segment_id", self.env._("a static segment")),
            "write": ("write_field_id", self.env._("a field")),
            "server_action": ("server_action_id", self.env._("a server action")),
            "notify": ("user_id", self.env._("a user")),
        }
        for step in self:
            if step.action_type in needs and not step[needs[step.action_type][0]]:
                raise UserError(
                    self.env._("Step %(name)s needs %(what)s.", name=step.name, what=needs[step.action_type][1])
                )
            if not step.parent_id and step.condition not in ("after", "branch_true", "branch_false", "split"):
                raise UserError(self.env._("First step %s cannot wait on a message: it has no parent.", step.name))
            if (
                step.action_type in ("email", "sms")
                and step.mailing_id.mailing_type != {"email": "mail", "sms": "sms"}[step.action_type]
            ):
                raise UserError(self.env._("Step %s sends a message of the wrong kind.", step.name))
            if step.action_type == "best_channel" and (
                step.mailing_id.mailing_type != "mail"
                or (step.sms_mailing_id and step.sms_mailing_id.mailing_type != "sms")
            ):
                raise UserError(self.env._("Step %s needs an email as its message and an SMS as its SMS.", step.name))

    # ------------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------------

    def _compute_figures(self):
        stats = {}
        steps = self.filtered("id")
        ids = [step._origin.id or step.id for step in steps if isinstance(step._origin.id or step.id, int)]
        if ids:
            self.env.cr.execute(
                """SELECT step_id, state, count(*) FROM marketing_workflow_trace
                    WHERE step_id = ANY(%s) GROUP BY 1, 2""",
                [ids],
            )
            for step_id, state, count in self.env.cr.fetchall():
                stats.setdefault(step_id, {})[state] = count
            self.env.cr.execute(
                """SELECT t.step_id,
                          count(*) FILTER (WHERE mt.trace_status NOT IN ('cancel', 'error', 'outgoing')),
                          count(*) FILTER (WHERE mt.open_datetime IS NOT NULL OR mt.trace_status IN ('open', 'reply')),
                          count(*) FILTER (WHERE mt.links_click_datetime IS NOT NULL),
                          count(*) FILTER (WHERE mt.trace_status = 'reply'),
                          count(*) FILTER (WHERE mt.trace_status = 'bounce')
                     FROM marketing_workflow_trace t JOIN mailing_trace mt ON mt.marketing_workflow_trace_id = t.id
                    WHERE t.step_id = ANY(%s) GROUP BY 1""",
                [ids],
            )
            for step_id, sent, opened, clicked, replied, bounced in self.env.cr.fetchall():
                stats.setdefault(step_id, {}).update(
                    sent=sent, opened=opened, clicked=clicked, replied=replied, bounced=bounced
                )
            self.env.cr.execute(
                """SELECT step_id, note, count(*) FROM marketing_workflow_trace
                    WHERE step_id = ANY(%s) AND state = 'rejected' GROUP BY 1, 2 ORDER BY 3 DESC""",
                [ids],
            )
            for step_id, note, count in self.env.cr.fetchall():
                stats.setdefault(step_id, {}).setdefault("reasons", []).append("%s (%s)" % (note, count))
        for step in self:
            figures = stats.get(step._origin.id or step.id, {})
            step.count_scheduled = figures.get("scheduled", 0)
            step.count_waiting = figures.get("waiting", 0)
            step.count_sending = figures.get("sending", 0)
            step.count_processed = figures.get("processed", 0)
            step.count_rejected = figures.get("rejected", 0)
            step.count_canceled = figures.get("canceled", 0)
            step.count_error = figures.get("error", 0)
            step.count_sent = figures.get("sent", 0)
            step.count_opened = figures.get("opened", 0)
            step.count_clicked = figures.get("clicked", 0)
            step.count_replied = figures.get("replied", 0)
            step.count_bounced = figures.get("bounced", 0)
            step.rejection_summary = ", ".join(figures.get("reasons", [])[:3]) or False

    # ------------------------------------------------------------------
    # Scheduling
    # ------------------------------------------------------------------

    @api.model
    def _delay_sql(self, alias="marketing_workflow_step"):
        """SQL interval after which a step runs once its parent ran (timers and 'not … within')."""
        column = lambda name: SQL.identifier(alias, name)  # noqa: E731
        wait = SQL("make_interval(%s)", _interval_sql(column("wait_amount"), column("wait_unit")))
        window = SQL("make_interval(%s)", _interval_sql(column("window_amount"), column("window_unit")))
        negative = tuple(c for c, kind in CONDITION_KIND.items() if kind == "negative")
        return SQL("CASE WHEN %s IN %s THEN %s + %s ELSE %s END", column("condition"), negative, window, wait, wait)

    @api.model
    def _window_sql(self, alias):
        return SQL(
            "make_interval(%s)",
            _interval_sql(SQL.identifier(alias, "window_amount"), SQL.identifier(alias, "window_unit")),
        )

    @api.model
    def _wait_sql(self, alias):
        return SQL(
            "make_interval(%s)", _interval_sql(SQL.identifier(alias, "wait_amount"), SQL.identifier(alias, "wait_unit"))
        )

    # ------------------------------------------------------------------
    # Branch decisions
    # ------------------------------------------------------------------

    def _matching_ids(self, res_ids):
        """The ids among ``res_ids`` that meet this branch step's condition."""
        self.ensure_one()
        model_name = self.workflow_id.model_name
        model = self.env[model_name].sudo().with_context(active_test=False)
        domain = expression.AND([evaluate_domain(self.branch_domain or "[]"), [("id", "in", list(res_ids))]])
        query = model._search(domain)
        table = model._table
        if self.branch_filter_score:
            query.add_where(
                SQL(
                    "%s BETWEEN %s AND %s",
                    SQL.identifier(table, "marketing_score"),
                    self.branch_score_min,
                    self.branch_score_max,
                )
            )
        if self.branch_grade:
            query.add_where(
                SQL("%s IN %s", SQL.identifier(table, "marketing_grade"), tuple(GRADE_FILTERS[self.branch_grade]))
            )
        if self.branch_segment_id:
            query.add_where(
                SQL(
                    "%s IN (SELECT %s FROM marketing_segment_member WHERE segment_id = %s AND date_exited IS NULL)",
                    SQL.identifier(table, "id"),
                    SQL.identifier(TARGETS[model_name]["column"]),
                    self.branch_segment_id.id,
                )
            )
        self.env.cr.execute(query.select(SQL.identifier(table, "id")))
        return {row[0] for row in self.env.cr.fetchall()}

    # ------------------------------------------------------------------
    # Actions: each takes the traces of this step due now and the target
    # records (same order); traces left 'scheduled' are marked processed.
    # ------------------------------------------------------------------

    def _run_action(self, traces, records, now):
        self.ensure_one()
        method = getattr(self, "_action_%s" % self.action_type)
        return method(traces, records, now)

    def _action_wait(self, traces, records, now):
        return True

    def _action_exit(self, traces, records, now):
        traces.participant_id._exit(self.env._("Exit step: %s", self.name), now)
        # the exit step itself ran: _exit cancelled it with the participant's other pending steps
        self.env.cr.execute(
            """UPDATE marketing_workflow_trace SET state = 'processed', date_processed = %s, note = NULL
                WHERE id = ANY(%s)""",
            [now, traces.ids],
        )
        traces.invalidate_recordset(["state", "date_processed", "note"])

    def _action_email(self, traces, records, now):
        self._send_message(self.mailing_id, "email", traces, now)

    def _action_sms(self, traces, records, now):
        self._send_message(self.mailing_id, "sms", traces, now)

    def _send_message(self, mailing, channel, traces, now):
        """Queue ``mailing`` for the traces that pass the send-time checks (address, opt-out, quiet hours, cap)."""
        sendable = traces._safety_check(channel, now)
        if sendable:
            mailing._marketing_send(sendable)

    def _action_activity(self, traces, records, now):
        self._schedule_activities(
            traces, records, self.activity_type_id or self.env.ref("mail.mail_activity_data_todo")
        )

    def _action_best_channel(self, traces, records, now):
        """Each participant on the channel its contact prefers (``res.partner.marketing_preferred_channel``,
        for a lead its contact's): the email, the SMS, or a call activity for the salesperson.

        The channel and why are kept on the trace (``channel_used``, ``channel_reason``). A contact with
        no reachable channel is rejected with the reason. Engagement conditions after this step apply to
        the participants reached on their channel ("opened" to those emailed, "SMS clicked" to those
        texted); the others are cancelled when scheduled (``trace._schedule_children``).
        """
        choices = traces._choose_channel(self)
        for channel in ("email", "sms", "phone", "none"):
            ids = {trace_id for trace_id, (chosen, _reason) in choices.items() if (chosen or "none") == channel}
            if not ids:
                continue
            pairs = [(t, r) for t, r in zip(traces, records, strict=True) if t.id in ids]
            channel_traces = traces.browse([t.id for t, _r in pairs])
            channel_records = records.browse([r.id for _t, r in pairs])
            getattr(self, "_best_channel_%s" % channel)(channel_traces, channel_records, now)

    def _best_channel_email(self, traces, records, now):
        self._send_message(self.mailing_id, "email", traces, now)

    def _best_channel_sms(self, traces, records, now):
        self._send_message(self.sms_mailing_id, "sms", traces, now)

    def _best_channel_phone(self, traces, records, now):
        self._schedule_activities(
            traces, records, self.activity_type_id or self.env.ref("mail.mail_activity_data_call")
        )

    def _best_channel_none(self, traces, records, now):
        for reason in set(traces.mapped("channel_reason")):
            traces.filtered(lambda t, r=reason: t.channel_reason == r)._set_state(
                "rejected", self.env._("No reachable channel: %s", reason or self.env._("unknown")), now
            )

    def _schedule_activities(self, traces, records, activity_type):
        """One activity per record, for its salesperson (else the step's user, the journey's, the current one)."""
        model_id = self.env["ir.model"]._get_id(records._name)
        fallback = self.user_id or self.workflow_id.user_id or self.env.user
        vals_list = []
        for record in records:
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": record.id,
                    "activity_type_id": activity_type.id,
                    "summary": self.activity_summary or self.name,
                    "note": self.activity_note,
                    "date_deadline": fields.Date.add(fields.Date.context_today(self), days=self.activity_days),
                    "user_id": (record.user_id or fallback).id,
                }
            )
        activities = self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(vals_list)
        for trace, activity in zip(traces, activities, strict=True):
            trace.activity_id = activity

    def _action_assign(self, traces, records, now):
        vals = {}
        if self.user_id:
            vals["user_id"] = self.user_id.id
        if self.team_id and "team_id" in records._fields:
            vals["team_id"] = self.team_id.id
        if vals:
            records.sudo().write(vals)

    def _action_create_lead(self, traces, records, now):
        partners = records if records._name == "res.partner" else records.partner_id
        vals_list = [
            {
                "name": "%s – %s" % (partner.display_name, self.workflow_id.name),
                "partner_id": partner.id,
                "type": "lead" if self.env.user.has_group("crm.group_use_lead") else "opportunity",
                "user_id": (partner.user_id or self.user_id).id,
                "team_id": self.team_id.id,
                "tag_ids": [(6, 0, self.lead_tag_ids.ids)],
            }
            for partner in partners
        ]
        leads = self.env["crm.lead"].sudo().create(vals_list)
        by_partner = {lead.partner_id.id: lead for lead in leads}
        for trace, record in zip(traces, records, strict=True):
            partner = record if record._name == "res.partner" else record.partner_id
            trace.lead_created_id = by_partner.get(partner.id)

    def _tags(self, records):
        if records._name == "res.partner":
            return "category_id", self.partner_tag_ids
        return "tag_ids", self.lead_tag_ids

    def _action_tag_add(self, traces, records, now):
        field_name, tags = self._tags(records)
        if tags:
            records.sudo().write({field_name: [(4, tag.id) for tag in tags]})

    def _action_tag_remove(self, traces, records, now):
        field_name, tags = self._tags(records)
        if tags:
            records.sudo().write({field_name: [(3, tag.id) for tag in tags]})

    def _action_segment_add(self, traces, records, now):
        self.target_segment_id.sudo()._add_members(records)

    def _action_segment_remove(self, traces, records, now):
        self.target_segment_id.sudo()._remove_members(records)

    def _write_value(self, field):
        """``write_value`` as typed, converted for ``field``; ValueError / UserError when it does not fit."""
        value = self.write_value
        if field.type == "boolean":
            return (value or "").strip().lower() in ("1", "true", "yes", "y")
        if field.type == "integer":
            return int(value or 0)
        if field.type == "float":
            return float(value or 0)
        if field.type == "date":
            return fields.Date.to_date(value) if value else False
        if field.type == "many2one":
            if not value:
                return False
            if not self.env[field.comodel_name].sudo().browse(int(value)).exists():
                raise UserError(self.env._("there is no record %s", value))
            return int(value)
        if field.type == "selection" and value not in dict(field._description_selection(self.env)):
            raise UserError(self.env._("not one of the options"))
        return value

    def _action_write(self, traces, records, now):
        field = records._fields[self.write_field_id.name]
        records.sudo().write({field.name: self._write_value(field)})

    def _action_server_action(self, traces, records, now):
        self.server_action_id.sudo().with_context(
            active_model=records._name, active_ids=records.ids, active_id=records[:1].id
        ).run()

    def _action_notify(self, traces, records, now):
        body = self.notify_message or self.name
        for record in records:
            record.sudo().message_post(
                body=body,
                partner_ids=self.user_id.partner_id.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )

    def _action_touchpoint(self, traces, records, now):
        partners = {
            record.id: record.id if record._name == "res.partner" else record.partner_id.id for record in records
        }
        self.env["marketing.event"].sudo()._record(
            [
                {
                    "event_type": self.event_type or "custom",
                    "partner_id": partners[trace.participant_id.res_id] or None,
                    "lead_id": trace.participant_id.lead_id.id or None,
                    "date": now,
                    "payload": {"workflow": self.workflow_id.name, "step": self.name},
                    # a retried batch never logs it twice
                    "source_key": "journey:%s" % trace.id,
                }
                for trace in traces
            ]
        )

    def _action_webhook(self, traces, records, now):
        """POST each participant as JSON, several at a time; failures are retried later, then recorded."""
        payloads = [
            {
                "workflow": self.workflow_id.name,
                "step": self.name,
                "model": record._name,
                "id": record.id,
                "name": record.display_name,
                "email": record.email_normalized or False,
                "score": record.marketing_score,
                "trace_id": trace.id,
            }
            for trace, record in zip(traces, records, strict=True)
        ]
        url, timeout = self.webhook_url, self.webhook_timeout

        def post(payload):
            try:
                response = requests.post(
                    url,
                    data=json.dumps(payload),
                    headers={"Content-Type": "application/json", "Idempotency-Key": "trace-%s" % payload["trace_id"]},
                    timeout=timeout,
                )
                return None if response.ok else "HTTP %s" % response.status_code
            except requests.RequestException as error:
                return str(error) or error.__class__.__name__

        with ThreadPoolExecutor(max_workers=min(WEBHOOK_THREADS, len(payloads) or 1)) as pool:
            errors = list(pool.map(post, payloads))
        for trace, error in zip(traces, errors, strict=True):
            if error:
                trace._retry_or_fail(self.env._("Webhook failed: %s", error), now, WEBHOOK_RETRIES)
