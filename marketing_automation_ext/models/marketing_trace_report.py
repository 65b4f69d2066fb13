from odoo import fields, models, tools

from .marketing_workflow_step import ACTIONS
from .marketing_workflow_trace import TRACE_STATES


class MarketingTraceReport(models.Model):
    """Journey steps run, one row per participant and step, with 0/100 rates that pivot and graph
    views average: the share of messages delivered, opened, clicked, replied to, bounced.

    A SQL view over traces and their messages: always in line with them, whatever wrote them.
    Rates are empty (not 0) on steps that sent no message, so they do not dilute the averages.
    """

    _name = "marketing.trace.report"
    _description = "Journey Step Analysis"
    _auto = False
    _order = "date desc"
    _rec_name = "step_id"

    trace_id = fields.Many2one("marketing.workflow.trace", string="Step Run", readonly=True)
    workflow_id = fields.Many2one("marketing.workflow", string="Journey", readonly=True)
    step_id = fields.Many2one("marketing.workflow.step", string="Step", readonly=True)
    participant_id = fields.Many2one("marketing.workflow.participant", string="Participant", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Contact", readonly=True)
    lead_id = fields.Many2one("crm.lead", string="Lead", readonly=True)
    company_id = fields.Many2one("res.company", string="Company", readonly=True)
    action_type = fields.Selection(ACTIONS, string="Action", readonly=True)
    state = fields.Selection(TRACE_STATES, string="Status", readonly=True)
    date = fields.Datetime("Due", readonly=True)
    is_test = fields.Boolean("Test", readonly=True)
    sent_count = fields.Integer("Messages Sent", readonly=True, aggregator="sum")
    delivered_rate = fields.Float("Delivery Rate (%)", readonly=True, aggregator="avg")
    open_rate = fields.Float("Open Rate (%)", readonly=True, aggregator="avg")
    click_rate = fields.Float("Click Rate (%)", readonly=True, aggregator="avg")
    reply_rate = fields.Float("Reply Rate (%)", readonly=True, aggregator="avg")
    bounce_rate = fields.Float("Bounce Rate (%)", readonly=True, aggregator="avg")
    conversion_rate = fields.Float(
        "Conversion Rate (%)", readonly=True, aggregator="avg", help="Share of the participants who reached the goal."
    )

    @property
    def _table_query(self):
        sent = "mt.id IS NOT NULL AND mt.trace_status NOT IN ('cancel', 'error', 'outgoing')"

        def rate(condition):
            return "CASE WHEN NOT (%s) THEN NULL WHEN %s THEN 100.0 ELSE 0.0 END" % (sent, condition)

        return tools.SQL(
            """SELECT t.id AS id, t.id AS trace_id, t.workflow_id, t.step_id, t.participant_id,
                      p.partner_id, p.lead_id, w.company_id, s.action_type, t.state,
                      COALESCE(t.date_processed, t.schedule_date) AS date, p.is_test,
                      CASE WHEN %s THEN 1 ELSE 0 END AS sent_count,
                      %s AS delivered_rate, %s AS open_rate, %s AS click_rate, %s AS reply_rate, %s AS bounce_rate,
                      CASE WHEN p.state = 'converted' THEN 100.0 ELSE 0.0 END AS conversion_rate
                 FROM marketing_workflow_trace t
                 JOIN marketing_workflow_participant p ON p.id = t.participant_id
                 JOIN marketing_workflow w ON w.id = t.workflow_id
                 JOIN marketing_workflow_step s ON s.id = t.step_id
                 LEFT JOIN mailing_trace mt ON mt.marketing_workflow_trace_id = t.id"""
            % (
                sent,
                rate("mt.trace_status IN ('sent', 'open', 'reply')"),
                rate("mt.open_datetime IS NOT NULL OR mt.trace_status IN ('open', 'reply')"),
                rate("mt.links_click_datetime IS NOT NULL"),
                rate("mt.trace_status = 'reply'"),
                rate("mt.trace_status = 'bounce'"),
            )
        )
