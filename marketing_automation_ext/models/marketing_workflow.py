from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL

from ..lib.domains import check_domain_applies, evaluate_domain
from ..lib.scoring import url_pattern_to_like
from .marketing_event import EVENT_TYPES
from .marketing_score_rule import SCORED_MODELS, TARGETS

TRIGGERS = [
    ("audience", "Everyone in the audience, now and later"),
    ("record", "A record is created or updated to match"),
    ("event", "A touchpoint happens"),
    ("date", "A date is reached"),
    ("manual", "Manual or API enrolment"),
]


AUDIENCE_CHECK_INTERVAL = timedelta(seconds=55)
# touchpoints an event-triggered journey looks at per statement
EVENT_TRIGGER_BATCH = 20000


class MarketingWorkflow(models.Model):
    """A journey: who enters (audience + trigger), what happens to them (a tree of
    steps), and when they leave (goal, exit steps, end of the tree)."""

    _name = "marketing.workflow"
    _description = "Marketing Workflow"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    state = fields.Selection(
        [("draft", "Draft"), ("running", "Running"), ("paused", "Paused"), ("stopped", "Stopped")],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    model_name = fields.Selection(SCORED_MODELS, string="Target", required=True, default="res.partner")
    user_id = fields.Many2one("res.users", string="Responsible", default=lambda self: self.env.user)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    # audience
    segment_id = fields.Many2one(
        "marketing.segment",
        string="Segment",
        domain="[('model_name', '=', model_name)]",
        ondelete="restrict",
        help="Only current members of this segment take part.",
    )
    domain = fields.Char("Filter", default="[]", help="Only records matching this domain take part.")
    # trigger
    trigger = fields.Selection(TRIGGERS, required=True, default="audience")
    trigger_event_type = fields.Selection(EVENT_TYPES, string="Touchpoint")
    trigger_url_pattern = fields.Char("On URL", help="Only touchpoints whose URL contains this; * is a wildcard.")
    date_field_id = fields.Many2one(
        "ir.model.fields",
        string="Date Field",
        ondelete="cascade",
        domain="[('model', '=', model_name), ('ttype', 'in', ('date', 'datetime')), ('store', '=', True)]",
    )
    date_offset_days = fields.Integer("Days After", help="Negative for days before the date.")
    date_yearly = fields.Boolean("Every Year", help="On the anniversary of the date (birthdays, renewals).")
    # policies
    reentry = fields.Selection(
        [("once", "Only once"), ("again", "Again after a delay")], required=True, default="once", string="Re-entry"
    )
    reentry_days = fields.Integer("Re-entry After (days)", default=30)
    unique_by = fields.Selection(
        [("record", "Record"), ("partner", "Contact"), ("email", "Email address")],
        required=True,
        default="record",
        string="One Participation Per",
        help="Contact or email: the same person is not enrolled twice through two leads.",
    )
    goal_domain = fields.Char(
        "Goal",
        help="Records reaching this domain (e.g. the lead is won) leave the journey and count as conversions.",
    )
    quiet_hours = fields.Boolean(default=True, help="Hold messages back at night, in each contact's time zone.")
    quiet_start = fields.Float("Quiet From", default=21.0)
    quiet_end = fields.Float("Quiet Until", default=8.0)
    date_start = fields.Datetime("Started", readonly=True, copy=False)
    last_date_enrolment = fields.Date(readonly=True, copy=False)
    last_audience_check = fields.Datetime(readonly=True, copy=False)
    # tree
    step_ids = fields.One2many("marketing.workflow.step", "workflow_id", string="Steps", copy=True)
    root_step_ids = fields.One2many(
        "marketing.workflow.step", "workflow_id", domain=[("parent_id", "=", False)], string="First Steps"
    )
    participant_ids = fields.One2many("marketing.workflow.participant", "workflow_id", string="Participations")
    mailing_ids = fields.One2many("mailing.mailing", "marketing_workflow_id", string="Journey Messages")
    # figures
    participant_count = fields.Integer("Participants", compute="_compute_figures")
    running_count = fields.Integer("In Progress", compute="_compute_figures")
    completed_count = fields.Integer("Completed", compute="_compute_figures")
    converted_count = fields.Integer("Converted", compute="_compute_figures")
    exited_count = fields.Integer("Exited", compute="_compute_figures")
    test_count = fields.Integer("Tests", compute="_compute_figures")
    conversion_rate = fields.Float(compute="_compute_figures")
    # return on investment (the dashboard sets it against the revenue attributed to the journey)
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    cost = fields.Monetary("Cost", help="What running this journey costs beyond its messages (tools, agency, time).")
    cost_total = fields.Monetary(
        "Total Cost",
        compute="_compute_cost_total",
        help="The journey's own cost plus the cost of each of its messages.",
    )

    # ------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------

    def _parse(self, field_name):
        self.ensure_one()
        try:
            return evaluate_domain(self[field_name])
        except ValueError as error:
            raise ValidationError(
                self.env._(
                    "Workflow %(name)s: %(domain)s is not a valid domain (%(error)s).",
                    name=self.name,
                    domain=self[field_name],
                    error=error,
                )
            ) from error

    @api.constrains("domain", "goal_domain", "model_name")
    def _check_domains(self):
        for workflow in self:
            for field_name in ("domain", "goal_domain"):
                if not workflow[field_name]:
                    continue
                try:
                    check_domain_applies(self.env[workflow.model_name], workflow._parse(field_name))
                except ValueError as error:
                    raise ValidationError(
                        self.env._(
                            "Workflow %(name)s: %(domain)s does not apply to %(model)s (%(error)s).",
                            name=workflow.name,
                            domain=workflow[field_name],
                            model=self.env[workflow.model_name]._description,
                            error=error,
                        )
                    ) from error

    @api.constrains("segment_id", "model_name")
    def _check_segment(self):
        for workflow in self:
            if workflow.segment_id and workflow.segment_id.model_name != workflow.model_name:
                raise ValidationError(
                    self.env._("The segment of %s holds other records than it targets.", workflow.name)
                )

    @api.constrains(
        "trigger", "trigger_event_type", "date_field_id", "reentry", "reentry_days", "quiet_start", "quiet_end"
    )
    def _check_trigger(self):
        for workflow in self:
            if workflow.trigger == "event" and not workflow.trigger_event_type:
                raise ValidationError(self.env._("Choose the touchpoint that enrols people in %s.", workflow.name))
            if workflow.trigger == "date" and not workflow.date_field_id:
                raise ValidationError(self.env._("Choose the date field that enrols people in %s.", workflow.name))
            # sudo: marketers cannot read ir.model.fields, yet may pick a date trigger
            if workflow.trigger == "date" and workflow.date_field_id.sudo().model != workflow.model_name:
                raise ValidationError(self.env._("The date field must belong to the target records."))
            if workflow.reentry == "again" and workflow.reentry_days < 1:
                raise ValidationError(self.env._("Re-entry needs a delay of at least one day."))
            for hour in (workflow.quiet_start, workflow.quiet_end):
                if not 0 <= hour < 24:
                    raise ValidationError(self.env._("Quiet hours are hours of the day, from 0 to 24."))

    @api.constrains("model_name")
    def _check_model_locked(self):
        for workflow in self:
            if any(p.res_model != workflow.model_name for p in workflow.participant_ids):
                raise ValidationError(self.env._("A workflow with participants cannot change its target."))

    # ------------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------------

    def _compute_figures(self):
        counts = {}
        if self.ids:
            self.env.cr.execute(
                """SELECT workflow_id, state, is_test, count(*) FROM marketing_workflow_participant
                    WHERE workflow_id = ANY(%s) GROUP BY 1, 2, 3""",
                [self.ids],
            )
            for workflow_id, state, is_test, count in self.env.cr.fetchall():
                key = "test" if is_test else state
                counts.setdefault(workflow_id, {}).setdefault(key, 0)
                counts[workflow_id][key] += count
        for workflow in self:
            by_state = counts.get(workflow._origin.id or workflow.id, {})
            workflow.running_count = by_state.get("running", 0)
            workflow.completed_count = by_state.get("completed", 0)
            workflow.converted_count = by_state.get("converted", 0)
            workflow.exited_count = by_state.get("exited", 0)
            workflow.test_count = by_state.get("test", 0)
            workflow.participant_count = sum(v for k, v in by_state.items() if k != "test")
            # a fraction: the form's percentage widget shows 0.15 as 15%
            workflow.conversion_rate = (
                workflow.converted_count / workflow.participant_count if workflow.participant_count else 0.0
            )

    @api.depends("cost", "mailing_ids.marketing_cost")
    def _compute_cost_total(self):
        mailing_costs = dict(
            self.env["mailing.mailing"]
            .sudo()
            .with_context(active_test=False)
            ._read_group([("marketing_workflow_id", "in", self.ids)], ["marketing_workflow_id"], ["marketing_cost:sum"])
        )
        for workflow in self:
            workflow.cost_total = workflow.cost + (mailing_costs.get(workflow._origin) or 0.0)

    # ------------------------------------------------------------------
    # State
    # ------------------------------------------------------------------

    def action_start(self):
        for workflow in self:
            if not workflow.step_ids:
                raise UserError(self.env._("Add at least one step to %s before starting it.", workflow.name))
            workflow.step_ids._check_ready()
            vals = {"state": "running"}
            if not workflow.date_start:
                # the transaction's time, as write_date has it: the 'record' trigger compares both
                vals["date_start"] = self.env.cr.now()
            workflow.write(vals)
        self._enrol_audience()
        self.env.ref("marketing_automation_ext.ir_cron_marketing_workflow")._trigger()
        return True

    def action_pause(self):
        self.filtered(lambda w: w.state == "running").write({"state": "paused"})
        return True

    def action_resume(self):
        self.filtered(lambda w: w.state == "paused").write({"state": "running"})
        self.env.ref("marketing_automation_ext.ir_cron_marketing_workflow")._trigger()
        return True

    def action_stop(self):
        """Stop for good: nothing more runs, messages still queued are recalled, participants and
        traces stay as they are."""
        stopping = self.filtered(lambda w: w.state in ("running", "paused"))
        stopping.write({"state": "stopped"})
        if stopping:
            self.env.cr.execute(
                "SELECT id FROM marketing_workflow_participant WHERE workflow_id = ANY(%s) AND state = 'running'",
                [stopping.ids],
            )
            self.env["marketing.workflow.trace"]._recall_queued(
                [row[0] for row in self.env.cr.fetchall()],
                self.env._("Journey stopped by %s", self.env.user.name),
                fields.Datetime.now(),
            )
            # touchpoints queued for a journey that will never run again
            self.env.cr.execute(
                "DELETE FROM marketing_workflow_event_queue WHERE workflow_id = ANY(%s)", [stopping.ids]
            )
        return True

    def action_draft(self):
        self.filtered(lambda w: w.state == "stopped").write({"state": "draft"})
        return True

    # ------------------------------------------------------------------
    # Audience and enrolment (set differences in SQL)
    # ------------------------------------------------------------------

    def _audience_query(self, extra_domain=None):
        """SQL selecting the ids of target records in this workflow's audience."""
        self.ensure_one()
        model = self.env[self.model_name].sudo().with_context(active_test=True)
        domain = self._parse("domain")
        if self.company_id:
            # sudo() lifts the company rules: a company's journey reaches its own and shared records only
            domain = expression.AND([domain, [("company_id", "in", [self.company_id.id, False])]])
        if extra_domain:
            domain = expression.AND([domain, extra_domain])
        query = model._search(domain)
        if self.segment_id:
            column = SQL.identifier(TARGETS[self.model_name]["column"])
            query.add_where(
                SQL(
                    "%s IN (SELECT %s FROM marketing_segment_member WHERE segment_id = %s AND date_exited IS NULL)",
                    SQL.identifier(model._table, "id"),
                    column,
                    self.segment_id.id,
                )
            )
        return query

    def _unique_key_sql(self, alias):
        """SQL of the participation key of a target row ``alias``."""
        self.ensure_one()
        record_key = SQL("%s || ':' || %s.id", self.model_name, SQL.identifier(alias))
        if self.unique_by == "record":
            return record_key
        partner = (
            SQL.identifier(alias, "id") if self.model_name == "res.partner" else SQL.identifier(alias, "partner_id")
        )
        if self.unique_by == "partner":
            return SQL("COALESCE('partner:' || %s, %s)", partner, record_key)
        return SQL("COALESCE('email:' || %s, %s)", SQL.identifier(alias, "email_normalized"), record_key)

    def _enrol_sql(self, candidates, now, is_test=False):
        """Enrol the records selected by the SQL ``candidates`` (one ``id`` column) in one
        statement: those already taking part (by key and re-entry policy) are left out,
        the first steps are scheduled for the rest. Returns the number enrolled."""
        self.ensure_one()
        model = self.env[self.model_name]
        table = SQL.identifier(model._table)
        partner = SQL("r.id") if self.model_name == "res.partner" else SQL("r.partner_id")
        lead = SQL("NULL::int") if self.model_name == "res.partner" else SQL("r.id")
        if is_test:
            key = SQL("'test:' || %s || ':' || r.id", now.isoformat())
            blocked = SQL("false")
        else:
            key = self._unique_key_sql("r")
            if self.reentry == "once":
                recent = SQL("true")
            else:
                recent = SQL(
                    "(p.state = 'running' OR p.date_enrolled > %s::timestamp - %s * INTERVAL '1 day')",
                    now,
                    self.reentry_days,
                )
            blocked = SQL(
                """EXISTS (SELECT 1 FROM marketing_workflow_participant p
                            WHERE p.workflow_id = %s AND p.unique_key = c.unique_key AND NOT p.is_test AND %s)""",
                self.id,
                recent,
            )
        # Who may enter is decided first, into a temporary table: checked inside the INSERT, the
        # "already taking part" test rescanned the participant table for every candidate while
        # the same statement grew it (quadratic on a new journey: 123 s for 100k).
        self.env.cr.execute("DROP TABLE IF EXISTS marketing_workflow_enrol")
        self.env.cr.execute(
            SQL(
                """CREATE TEMP TABLE marketing_workflow_enrol ON COMMIT DROP AS
                   SELECT c.* FROM (
                       SELECT DISTINCT ON (unique_key) * FROM (
                           SELECT r.id AS res_id, %(partner)s AS partner_id, %(lead)s AS lead_id, %(key)s AS unique_key
                             FROM %(table)s r WHERE r.id IN (%(candidates)s)
                       ) k ORDER BY unique_key, res_id
                   ) c
                   WHERE NOT %(blocked)s""",
                partner=partner,
                lead=lead,
                key=key,
                table=table,
                candidates=candidates,
                blocked=blocked,
            )
        )
        self.env.cr.execute(
            SQL(
                """WITH enrolled AS (
                       INSERT INTO marketing_workflow_participant
                              (workflow_id, res_model, res_id, partner_id, lead_id, unique_key, state, is_test,
                               date_enrolled, create_uid, create_date, write_uid, write_date)
                       SELECT %(workflow)s, %(model)s, c.res_id, c.partner_id, c.lead_id, c.unique_key, 'running',
                              %(is_test)s, %(now)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                         FROM marketing_workflow_enrol c
                       ON CONFLICT DO NOTHING
                       RETURNING id
                   ), scheduled AS (
                       INSERT INTO marketing_workflow_trace
                              (participant_id, workflow_id, step_id, state, schedule_date, attempts,
                               create_uid, create_date, write_uid, write_date)
                       SELECT e.id, %(workflow)s, s.id, 'scheduled', %(now)s::timestamp + s.delay, 0,
                              %(uid)s, %(now)s, %(uid)s, %(now)s
                         FROM enrolled e
                        CROSS JOIN (SELECT id, %(delay)s AS delay FROM marketing_workflow_step
                                     WHERE workflow_id = %(workflow)s AND parent_id IS NULL) s
                       RETURNING id
                   )
                   SELECT (SELECT count(*) FROM enrolled), (SELECT count(*) FROM scheduled)""",
                workflow=self.id,
                model=self.model_name,
                is_test=is_test,
                now=now,
                uid=self.env.uid,
                delay=self.env["marketing.workflow.step"]._delay_sql(),
            )
        )
        enrolled, _scheduled = self.env.cr.fetchone()
        if enrolled:
            self.env["marketing.workflow.participant"].invalidate_model()
            self.invalidate_recordset(["participant_ids"])
            self.env["marketing.workflow.trace"]._forget_inserted_traces()
        return enrolled

    def _enrol_audience(self, now=None):
        """Enrol whoever the trigger brings in now; returns {workflow id: number enrolled}."""
        now = now or fields.Datetime.now()
        self.env.flush_all()
        self.env.cr.execute("SET LOCAL jit = off")
        result = {}
        for workflow in self.filtered(lambda w: w.state == "running"):
            result[workflow.id] = workflow._enrol_by_trigger(now)
        return result

    def _enrol_by_trigger(self, now):
        self.ensure_one()
        table = SQL.identifier(self.env[self.model_name]._table)
        if self.trigger == "manual":
            return 0
        if self.trigger == "audience":
            return self._enrol_sql(self._audience_query().select(SQL("%s.id", table)), now)
        if self.trigger == "record":
            query = self._audience_query([("write_date", ">=", self.date_start)])
            return self._enrol_sql(query.select(SQL("%s.id", table)), now)
        if self.trigger == "date":
            if self.last_date_enrolment == now.date():
                return 0
            query = self._audience_query()
            column = SQL.identifier(self.env[self.model_name]._table, self.date_field_id.name)
            shifted = SQL("(%s + %s * INTERVAL '1 day')::date", column, self.date_offset_days)
            if self.date_yearly:
                query.add_where(SQL("to_char(%s, 'MM-DD') = to_char(%s::date, 'MM-DD')", shifted, now))
            else:
                query.add_where(SQL("%s = %s::date", shifted, now))
            enrolled = self._enrol_sql(query.select(SQL("%s.id", table)), now)
            self.env.cr.execute(
                "UPDATE marketing_workflow SET last_date_enrolment = %s WHERE id = %s", [now.date(), self.id]
            )
            return enrolled
        # event trigger: the touchpoints queued for this journey (see marketing.workflow.event.queue),
        # taken in batches that no other worker can take too; their owners in the audience enter
        column = SQL.identifier(TARGETS[self.model_name]["column"])
        event_filters = self._trigger_event_filters()
        enrolled = 0
        while True:
            self.env.cr.execute(
                """DELETE FROM marketing_workflow_event_queue
                    WHERE id IN (SELECT id FROM marketing_workflow_event_queue WHERE workflow_id = %s
                                  ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)
                RETURNING event_id""",
                [self.id, EVENT_TRIGGER_BATCH],
            )
            event_ids = [row[0] for row in self.env.cr.fetchall()]
            if not event_ids:
                return enrolled
            filters = [SQL("e.id = ANY(%s)", event_ids), *event_filters]
            query = self._audience_query()
            query.add_where(
                SQL(
                    "%s IN (SELECT e.%s FROM marketing_event e WHERE %s)",
                    SQL.identifier(self.env[self.model_name]._table, "id"),
                    column,
                    SQL(" AND ").join(filters),
                )
            )
            enrolled += self._enrol_sql(query.select(SQL("%s.id", table)), now)
            if len(event_ids) < EVENT_TRIGGER_BATCH:
                return enrolled

    def _trigger_event_filters(self):
        """SQL conditions a touchpoint ``e`` meets to trigger this journey, beyond its type (bridges add theirs)."""
        self.ensure_one()
        like = url_pattern_to_like(self.trigger_url_pattern)
        return [SQL("e.url ILIKE %s", like)] if like else []

    def enrol(self, res_ids, test=False):
        """Enrol these records (ids of the target model) now: the API and manual trigger.

        Records outside the audience, or already taking part, are left out.
        Returns the number of records enrolled.
        """
        self.ensure_one()
        self.check_access("write")
        if not test and self.state != "running":
            raise UserError(self.env._("Workflow %s is not running.", self.name))
        if not isinstance(res_ids, (list, tuple)) or not all(
            isinstance(res_id, int) and not isinstance(res_id, bool) for res_id in res_ids
        ):
            raise ValidationError(self.env._("Give record ids (integers) to enrol."))
        existing = self.env[self.model_name].sudo().browse(res_ids).exists()
        if len(existing) != len(set(res_ids)):
            missing = sorted(set(res_ids) - set(existing.ids))
            raise ValidationError(
                self.env._(
                    "There is no %(model)s with id %(ids)s.",
                    model=self.env[self.model_name]._description,
                    ids=", ".join(map(str, missing)),
                )
            )
        self.env.flush_all()
        table = SQL.identifier(self.env[self.model_name]._table)
        if test:
            candidates = SQL("SELECT unnest(%s::int[])", list(res_ids))
        else:
            candidates = self._audience_query([("id", "in", list(res_ids))]).select(SQL("%s.id", table))
        enrolled = self.sudo()._enrol_sql(candidates, fields.Datetime.now(), is_test=test)
        self.env.ref("marketing_automation_ext.ir_cron_marketing_workflow")._trigger()
        return enrolled

    # ------------------------------------------------------------------
    # Goal
    # ------------------------------------------------------------------

    def _apply_goal(self, now, participant_ids=None):
        """Participants whose record reached the goal leave as converted; their pending steps are cancelled."""
        converted = 0
        for workflow in self.filtered("goal_domain"):
            table = SQL.identifier(self.env[workflow.model_name]._table)
            goal = (
                self.env[workflow.model_name]
                .sudo()
                .with_context(active_test=False)
                ._search(workflow._parse("goal_domain"))
                .select(SQL("%s.id", table))
            )
            scope = SQL("AND p.id = ANY(%s)", list(participant_ids)) if participant_ids is not None else SQL()
            self.env.cr.execute(
                SQL(
                    """WITH done AS (
                           UPDATE marketing_workflow_participant p
                              SET state = 'converted', date_done = %(now)s, exit_reason = %(reason)s
                            WHERE p.workflow_id = %(workflow)s AND p.state = 'running' %(scope)s
                                  AND p.res_id IN (%(goal)s)
                        RETURNING p.id
                       ), cancelled AS (
                           UPDATE marketing_workflow_trace t SET state = 'canceled', note = %(reason)s
                            WHERE t.participant_id IN (SELECT id FROM done) AND t.state IN ('scheduled', 'waiting')
                       )
                       SELECT array_agg(id) FROM done""",
                    now=now,
                    reason=self.env._("Goal reached"),
                    workflow=workflow.id,
                    scope=scope,
                    goal=goal,
                )
            )
            done = self.env.cr.fetchone()[0] or []
            converted += len(done)
            self.env["marketing.workflow.trace"]._recall_queued(done, self.env._("Goal reached"), now)
        if converted:
            self.env["marketing.workflow.participant"].invalidate_model()
            self.env["marketing.workflow.trace"].invalidate_model()
        return converted

    # ------------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------------

    @api.model
    def _cron_process(self, batch_size=500, check_audience=False):
        """Enrol, apply goals, expire waits and run one batch of due steps; re-trigger while work remains.

        The cron calls this again while steps remain due; enrolment and goals (whole-audience
        queries) run at most once a minute per workflow, not once per batch.
        """
        now = fields.Datetime.now()
        workflows = self.sudo().search([("state", "=", "running")])
        if not check_audience:
            workflows = workflows.filtered(
                lambda w: not w.last_audience_check or w.last_audience_check <= now - AUDIENCE_CHECK_INTERVAL
            )
        if workflows:
            workflows._enrol_audience(now)
            workflows._apply_goal(now)
            self.env.cr.execute(
                "UPDATE marketing_workflow SET last_audience_check = %s WHERE id = ANY(%s)", [now, workflows.ids]
            )
            workflows.invalidate_recordset(["last_audience_check"])
        Trace = self.env["marketing.workflow.trace"].sudo()
        Trace._expire_waiting(now)
        Trace._reconcile_sending(now)
        done = Trace._process_due(now, batch_size)
        self.env.cr.execute(
            """SELECT count(*) FROM (
                   SELECT 1 FROM marketing_workflow_trace t
                     JOIN marketing_workflow w ON w.id = t.workflow_id
                     JOIN marketing_workflow_participant p ON p.id = t.participant_id
                    WHERE t.state = 'scheduled' AND t.schedule_date <= %s
                          AND (w.state = 'running' OR p.is_test) LIMIT %s) due""",
            [now, batch_size],
        )
        remaining = self.env.cr.fetchone()[0]
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return remaining

    def _run_now(self):
        """Process everything due now in this transaction (tests, demo data)."""
        remaining = self._cron_process(check_audience=True)
        while remaining:
            remaining = self._cron_process()
        return True

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_view_participants(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "marketing_automation_ext.marketing_workflow_participant_action"
        )
        action["domain"] = [("workflow_id", "=", self.id)]
        action["context"] = {"default_workflow_id": self.id, "search_default_filter_real": 1}
        # the "In Progress" and "Converted" buttons open the list filtered on their state
        state_filter = self.env.context.get("participant_state")
        if state_filter in ("running", "converted"):
            action["context"]["search_default_filter_%s" % state_filter] = 1
        return action

    def action_view_traces(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "marketing_automation_ext.marketing_workflow_trace_action"
        )
        action["domain"] = [("workflow_id", "=", self.id)]
        return action

    @api.model
    def action_open_gallery(self):
        """The template gallery: most journeys start from a proven one."""
        return self.env["ir.actions.act_window"]._for_xml_id(
            "marketing_automation_ext.marketing_workflow_template_action"
        )

    def action_test(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Test %s", self.name),
            "res_model": "marketing.workflow.test",
            "view_mode": "form",
            "target": "new",
            "context": {"default_workflow_id": self.id},
        }
