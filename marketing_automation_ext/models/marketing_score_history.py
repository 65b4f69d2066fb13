from odoo import api, fields, models


class MarketingScoreHistory(models.Model):
    """One change of one score: from what, to what, when and why."""

    _name = "marketing.score.history"
    _description = "Marketing Score History"
    _order = "date desc, id desc"
    _rec_name = "reason"
    _log_access = False

    partner_id = fields.Many2one("res.partner", string="Contact", ondelete="cascade", index="btree_not_null")
    lead_id = fields.Many2one("crm.lead", string="Lead", ondelete="cascade", index="btree_not_null")
    date = fields.Datetime(required=True, readonly=True)
    old_score = fields.Integer("From", readonly=True)
    score = fields.Integer("To", readonly=True)
    delta = fields.Integer("Change", compute="_compute_delta")
    reason = fields.Char(readonly=True)
    event_id = fields.Many2one(
        "marketing.event", string="Event", readonly=True, ondelete="set null", index="btree_not_null"
    )

    @api.depends("old_score", "score")
    def _compute_delta(self):
        for entry in self:
            entry.delta = entry.score - entry.old_score
