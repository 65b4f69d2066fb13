from markupsafe import escape

from odoo import api, fields, models
from odoo.exceptions import UserError

POSITION_COLORS = {
    "processed": "success",
    "scheduled": "primary",
    "sending": "primary",
    "waiting": "info",
    "error": "danger",
    "rejected": "warning",
    "canceled": "secondary",
}


PARTICIPANT_STATES = [
    ("running", "In Progress"),
    ("completed", "Completed"),
    ("converted", "Converted"),
    ("exited", "Exited"),
]


class MarketingWorkflowParticipant(models.Model):
    """One record taking part in one workflow (one stay: re-entry creates another)."""

    _name = "marketing.workflow.participant"
    _description = "Marketing Workflow Participant"
    _order = "id desc"
    _rec_name = "res_name"

    workflow_id = fields.Many2one("marketing.workflow", required=True, ondelete="cascade", index=True)
    res_model = fields.Char(required=True, readonly=True)
    res_id = fields.Many2oneReference("Record", model_field="res_model", required=True, readonly=True)
    res_name = fields.Char("Participant", compute="_compute_res_name")
    partner_id = fields.Many2one(
        "res.partner", string="Contact", readonly=True, ondelete="cascade", index="btree_not_null"
    )
    lead_id = fields.Many2one("crm.lead", string="Lead", readonly=True, ondelete="cascade", index="btree_not_null")
    unique_key = fields.Char(readonly=True, required=True)
    state = fields.Selection(
        PARTICIPANT_STATES,
        required=True,
        default="running",
        readonly=True,
        index=True,
    )
    # never NULL: the SQL (unique running stay, "in journey" conditions, re-entry) tests NOT is_test
    is_test = fields.Boolean("Test", readonly=True, default=False)
    date_enrolled = fields.Datetime("Enrolled", readonly=True, default=fields.Datetime.now)
    date_done = fields.Datetime("Left", readonly=True)
    exit_reason = fields.Char(readonly=True)
    trace_ids = fields.One2many("marketing.workflow.trace", "participant_id", string="Steps")
    next_step_date = fields.Datetime("Next Step", compute="_compute_next_step")
    next_step_id = fields.Many2one("marketing.workflow.step", string="Next Step Due", compute="_compute_next_step")
    position = fields.Html(compute="_compute_position", sanitize=False)

    def init(self):
        self.env.cr.execute("UPDATE marketing_workflow_participant SET is_test = FALSE WHERE is_test IS NULL")
        # one running stay per person and workflow, whatever two workers enrol at once
        self.env.cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS marketing_workflow_participant_running_key
                   ON marketing_workflow_participant (workflow_id, unique_key)
                WHERE state = 'running' AND NOT is_test"""
        )
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS marketing_workflow_participant_key
                   ON marketing_workflow_participant (workflow_id, unique_key)"""
        )

    @api.depends("res_model", "res_id")
    def _compute_res_name(self):
        for participant in self:
            record = (
                self.env[participant.res_model].browse(participant.res_id).exists() if participant.res_model else None
            )
            participant.res_name = (
                record.display_name if record else "%s,%s" % (participant.res_model, participant.res_id)
            )

    def _compute_next_step(self):
        for participant in self:
            pending = participant.trace_ids.filtered(lambda t: t.state == "scheduled").sorted("schedule_date")[:1]
            participant.next_step_date = pending.schedule_date
            participant.next_step_id = pending.step_id

    def _compute_position(self):
        """The workflow tree with this participant's state on each step (test mode view)."""
        for participant in self:
            by_step = {trace.step_id.id: trace for trace in participant.trace_ids}
            roots = participant.workflow_id.step_ids.filtered(lambda s: not s.parent_id)
            lines = participant._position_lines(roots, by_step, 0)
            participant.position = '<ul class="list-unstyled">%s</ul>' % "".join(lines)

    def _position_lines(self, steps, by_step, depth):
        labels = dict(self.env["marketing.workflow.trace"]._fields["state"]._description_selection(self.env))
        lines = []
        for step in steps.sorted(lambda s: (s.sequence, s.id)):
            trace = by_step.get(step.id)
            state = trace.state if trace else "none"
            when = ""
            if trace and trace.state == "scheduled" and trace.schedule_date:
                when = " · %s" % fields.Datetime.to_string(trace.schedule_date)
            note = " · %s" % trace.note if trace and trace.note else ""
            lines.append(
                '<li class="o_ma_position o_ma_position_%s" style="margin-left:%spx">'
                '<span class="badge text-bg-%s">%s</span> <b>%s</b>%s%s</li>'
                % (
                    state,
                    depth * 24,
                    POSITION_COLORS.get(state, "light"),
                    _escape(labels.get(state, self.env._("not reached"))),
                    _escape(step.name),
                    _escape(when),
                    _escape(note),
                )
            )
            lines += self._position_lines(step.child_ids, by_step, depth + 1)
        return lines

    def _exit(self, reason, now=None, state="exited"):
        """Leave the journey: pending steps are cancelled with the reason, queued messages recalled."""
        now = now or fields.Datetime.now()
        running = self.filtered(lambda p: p.state == "running")
        if not running:
            return
        self.env.cr.execute(
            """UPDATE marketing_workflow_trace SET state = 'canceled', note = %s
                WHERE participant_id = ANY(%s) AND state IN ('scheduled', 'waiting')""",
            [reason, running.ids],
        )
        self.env["marketing.workflow.trace"]._recall_queued(running.ids, reason, now)
        self.env.cr.execute(
            """UPDATE marketing_workflow_participant SET state = %s, date_done = %s, exit_reason = %s
                WHERE id = ANY(%s) AND state = 'running'""",
            [state, now, reason, running.ids],
        )
        self.invalidate_model(["state", "date_done", "exit_reason"])
        self.env["marketing.workflow.trace"].invalidate_model(["state", "note"])

    def _complete_finished(self, now):
        """Running participants with nothing scheduled or awaited any more have completed the journey."""
        if not self:
            return
        self.env.flush_all()
        self.env.cr.execute(
            """UPDATE marketing_workflow_participant p SET state = 'completed', date_done = %s
                WHERE p.id = ANY(%s) AND p.state = 'running'
                      AND NOT EXISTS (SELECT 1 FROM marketing_workflow_trace t
                                       WHERE t.participant_id = p.id
                                             AND t.state IN ('scheduled', 'waiting', 'sending'))""",
            [now, self.ids],
        )
        self.invalidate_model(["state", "date_done"])

    def action_exit(self):
        # _exit writes in SQL: the rights and company rules are checked here, as write() would
        self.check_access("write")
        self._exit(self.env._("Removed by %s", self.env.user.name))
        return True

    def action_run_next(self):
        """Test mode: run this participant's next scheduled step now, whatever its wait."""
        self.ensure_one()
        pending = self.trace_ids.filtered(lambda t: t.state == "scheduled").sorted("schedule_date")[:1]
        if not pending:
            raise UserError(
                self.env._("Nothing is scheduled for %s: the journey waits on a reaction or is over.", self.res_name)
            )
        # the engine writes traces as the system does; editing participants is the right asked for
        self.check_access("write")
        now = fields.Datetime.now()
        pending = pending.sudo()
        pending.schedule_date = now
        self.env.flush_all()
        pending._process(now)
        return True

    def action_open_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }


def _escape(text):
    return str(escape(text or ""))
