from odoo import fields, models


class MarketingScoreLine(models.Model):
    """Why a record has its score: the points each rule currently gives it.

    Rebuilt by the scoring engine; never edited by hand.
    """

    _name = "marketing.score.line"
    _description = "Marketing Score Breakdown"
    _order = "points desc, id"
    _rec_name = "rule_id"
    # Derived rows rebuilt in bulk: no create/write user columns (and their foreign key checks).
    _log_access = False

    partner_id = fields.Many2one("res.partner", string="Contact", ondelete="cascade", index="btree_not_null")
    lead_id = fields.Many2one("crm.lead", string="Lead", ondelete="cascade", index="btree_not_null")
    rule_id = fields.Many2one("marketing.score.rule", string="Rule", required=True, ondelete="cascade", index=True)
    rule_type = fields.Selection(related="rule_id.rule_type")
    event_type = fields.Selection(related="rule_id.event_type")
    points = fields.Float(digits=(16, 1), readonly=True)
    event_count = fields.Integer("Events", readonly=True)
    last_event_date = fields.Datetime("Last Event", readonly=True)
