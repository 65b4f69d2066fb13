from odoo import api, fields, models


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "marketing.scored.mixin"]

    marketing_score_history_ids = fields.One2many("marketing.score.history", "partner_id", string="Score History")
    marketing_event_ids = fields.One2many("marketing.event", "partner_id", string="Marketing Events")
    marketing_event_count = fields.Integer("Event Count", compute="_compute_marketing_event_count")

    def _score_line_field(self):
        return "partner_id"

    @api.depends_context("uid")
    def _compute_marketing_event_count(self):
        counts = dict(
            self.env["marketing.event"]._read_group([("partner_id", "in", self.ids)], ["partner_id"], ["__count"])
        )
        for partner in self:
            partner.marketing_event_count = counts.get(partner, 0)

    def action_view_marketing_events(self):
        self.ensure_one()
        return self._marketing_events_action([("partner_id", "=", self.id)])
