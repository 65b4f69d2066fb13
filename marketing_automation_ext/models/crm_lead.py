from odoo import api, fields, models


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "marketing.scored.mixin"]

    marketing_score_history_ids = fields.One2many("marketing.score.history", "lead_id", string="Score History")
    marketing_event_ids = fields.One2many("marketing.event", "lead_id", string="Marketing Events")
    marketing_event_count = fields.Integer("Event Count", compute="_compute_marketing_event_count")
    # the contact's best send time and channel, where the salesperson works
    marketing_best_time = fields.Char(related="partner_id.marketing_best_time")
    marketing_preferred_channel = fields.Selection(related="partner_id.marketing_preferred_channel", store=False)
    marketing_channel_reason = fields.Char(related="partner_id.marketing_channel_reason")
    marketing_engagement_heatmap = fields.Html(related="partner_id.marketing_engagement_heatmap")

    def _score_line_field(self):
        return "lead_id"

    def _compute_marketing_event_count(self):
        for lead in self:
            domain = [("lead_id", "=", lead.id)]
            if lead.partner_id:
                domain = ["|", ("partner_id", "=", lead.partner_id.id)] + domain
            lead.marketing_event_count = self.env["marketing.event"].search_count(domain) if lead.id else 0

    def action_view_marketing_events(self):
        self.ensure_one()
        domain = [("lead_id", "=", self.id)]
        if self.partner_id:
            domain = ["|", ("partner_id", "=", self.partner_id.id)] + domain
        return self._marketing_events_action(domain)

    # ------------------------------------------------------------------
    # CRM touchpoints: created, stage changed, won, lost
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        leads._marketing_record("lead_created", lambda lead: "lead:%s:created" % lead.id)
        return leads

    def write(self, vals):
        tracked = {}
        if "stage_id" in vals or "active" in vals:
            tracked = {lead.id: (lead.stage_id.id, lead.active) for lead in self}
        result = super().write(vals)
        if tracked:
            now_key = fields.Datetime.now().isoformat()
            moved = self.filtered(lambda lead: tracked[lead.id][0] != lead.stage_id.id)
            moved._marketing_record(
                "lead_stage",
                lambda lead: "lead:%s:stage:%s:%s" % (lead.id, lead.stage_id.id, now_key),
                lambda lead: {"stage": lead.stage_id.name},
            )
            won = moved.filtered(lambda lead: lead.stage_id.is_won)
            won._marketing_record("lead_won", lambda lead: "lead:%s:won:%s" % (lead.id, now_key))
            if not self.env.context.get("marketing_lost_recorded"):
                archived = self.filtered(lambda lead: tracked[lead.id][1] and not lead.active)
                archived._marketing_record_lost(now_key)
        return result

    def action_set_lost(self, **additional_values):
        result = super(CrmLead, self.with_context(marketing_lost_recorded=True)).action_set_lost(**additional_values)
        self._marketing_record_lost(fields.Datetime.now().isoformat())
        return result

    def _marketing_record_lost(self, stamp):
        self._marketing_record(
            "lead_lost",
            lambda lead: "lead:%s:lost:%s" % (lead.id, stamp),
            lambda lead: {"reason": lead.lost_reason_id.name} if lead.lost_reason_id else None,
        )

    def _marketing_record(self, event_type, key, payload=None):
        if not self:
            return
        # scored by the "score new touchpoints" cron, not inside crm.lead's create()/write()
        self.env["marketing.event"].sudo()._record(
            rescore=False,
            vals_list=[
                {
                    "event_type": event_type,
                    "partner_id": lead.partner_id.id or None,
                    "lead_id": lead.id,
                    "source_key": key(lead),
                    "payload": payload(lead) if payload else None,
                    "campaign_id": lead.campaign_id.id or None,
                    "source_id": lead.source_id.id or None,
                    "medium_id": lead.medium_id.id or None,
                    "company_id": lead.company_id.id or None,
                }
                for lead in self
            ],
        )
