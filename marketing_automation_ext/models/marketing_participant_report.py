from odoo import fields, models, tools

from .marketing_workflow_participant import PARTICIPANT_STATES


class MarketingParticipantReport(models.Model):
    """Journey participants with 0/100 flags that pivot and graph views average into rates: the share
    of participants sent a message, who opened, clicked, replied, and who converted.

    A SQL view over participants and the messages of their steps (always in line with them).
    """

    _name = "marketing.participant.report"
    _description = "Journey Participant Analysis"
    _auto = False
    _order = "date_enrolled desc"
    _rec_name = "participant_id"

    participant_id = fields.Many2one("marketing.workflow.participant", string="Participant", readonly=True)
    workflow_id = fields.Many2one("marketing.workflow", string="Journey", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Contact", readonly=True)
    lead_id = fields.Many2one("crm.lead", string="Lead", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    company_id = fields.Many2one("res.company", string="Company", readonly=True)
    state = fields.Selection(PARTICIPANT_STATES, string="Status", readonly=True)
    date_enrolled = fields.Datetime("Enrolled", readonly=True)
    date_done = fields.Datetime("Left", readonly=True)
    is_test = fields.Boolean("Test", readonly=True)
    messages_sent = fields.Integer("Messages Sent", readonly=True, aggregator="sum")
    reached_rate = fields.Float("Reached Rate (%)", readonly=True, aggregator="avg", help="Share sent a message.")
    open_rate = fields.Float("Open Rate (%)", readonly=True, aggregator="avg", help="Share who opened a message.")
    click_rate = fields.Float("Click Rate (%)", readonly=True, aggregator="avg", help="Share who clicked a link.")
    reply_rate = fields.Float("Reply Rate (%)", readonly=True, aggregator="avg", help="Share who replied.")
    conversion_rate = fields.Float(
        "Conversion Rate (%)", readonly=True, aggregator="avg", help="Share who reached the journey's goal."
    )

    @property
    def _table_query(self):
        return tools.SQL(
            """SELECT p.id AS id, p.id AS participant_id, p.workflow_id, p.partner_id, p.lead_id,
                      CASE WHEN p.lead_id IS NOT NULL THEN l.user_id ELSE rp.user_id END AS user_id,
                      w.company_id, p.state, p.date_enrolled, p.date_done, p.is_test,
                      COALESCE(m.sent, 0) AS messages_sent,
                      CASE WHEN m.sent > 0 THEN 100.0 ELSE 0.0 END AS reached_rate,
                      CASE WHEN m.opened THEN 100.0 ELSE 0.0 END AS open_rate,
                      CASE WHEN m.clicked THEN 100.0 ELSE 0.0 END AS click_rate,
                      CASE WHEN m.replied THEN 100.0 ELSE 0.0 END AS reply_rate,
                      CASE WHEN p.state = 'converted' THEN 100.0 ELSE 0.0 END AS conversion_rate
                 FROM marketing_workflow_participant p
                 JOIN marketing_workflow w ON w.id = p.workflow_id
                 LEFT JOIN crm_lead l ON l.id = p.lead_id
                 LEFT JOIN res_partner rp ON rp.id = p.partner_id
                 LEFT JOIN (
                     SELECT t.participant_id,
                            count(*) FILTER (WHERE mt.trace_status NOT IN ('cancel', 'error', 'outgoing')) AS sent,
                            bool_or(mt.open_datetime IS NOT NULL OR mt.trace_status IN ('open', 'reply')) AS opened,
                            bool_or(mt.links_click_datetime IS NOT NULL) AS clicked,
                            bool_or(mt.trace_status = 'reply') AS replied
                       FROM marketing_workflow_trace t
                       JOIN mailing_trace mt ON mt.marketing_workflow_trace_id = t.id
                      GROUP BY t.participant_id
                 ) m ON m.participant_id = p.id"""
        )
