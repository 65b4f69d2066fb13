from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL


class MarketingSegmentMember(models.Model):
    """One stay of one contact or lead in one segment; current members have no exit date."""

    _name = "marketing.segment.member"
    _description = "Marketing Segment Member"
    _order = "date_entered desc, id desc"
    _log_access = False

    segment_id = fields.Many2one("marketing.segment", required=True, ondelete="cascade", index=True)
    partner_id = fields.Many2one("res.partner", string="Contact", ondelete="cascade", index="btree_not_null")
    lead_id = fields.Many2one("crm.lead", string="Lead", ondelete="cascade", index="btree_not_null")
    date_entered = fields.Datetime("Entered", required=True, default=fields.Datetime.now)
    date_exited = fields.Datetime("Left")
    is_current = fields.Boolean("Current", compute="_compute_is_current", search="_search_is_current")

    def init(self):
        # at most one current stay per record and segment; also the index every refresh uses
        for column in ("partner_id", "lead_id"):
            self.env.cr.execute(
                SQL(
                    """CREATE UNIQUE INDEX IF NOT EXISTS %s ON marketing_segment_member (segment_id, %s)
                       WHERE date_exited IS NULL AND %s IS NOT NULL""",
                    SQL.identifier("marketing_segment_member_current_" + column),
                    SQL.identifier(column),
                    SQL.identifier(column),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        """Members added by import or by hand (static segments) keep the segment's count right."""
        for vals in vals_list:
            segment = self.env["marketing.segment"].browse(vals.get("segment_id"))
            if segment and segment.segment_type != "static":
                raise UserError(
                    self.env._(
                        "Members of dynamic segment %s follow its rules; add them to a static segment.", segment.name
                    )
                )
        members = super().create(vals_list)
        for segment in members.segment_id:
            segment._update_static_count()
        return members

    def _compute_is_current(self):
        for member in self:
            member.is_current = not member.date_exited

    def _search_is_current(self, operator, value):
        if operator not in ("=", "!="):
            raise NotImplementedError
        current = (operator == "=") == bool(value)
        return [("date_exited", "=" if current else "!=", False)]
