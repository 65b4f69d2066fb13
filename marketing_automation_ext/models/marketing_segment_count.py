from odoo import fields, models


class MarketingSegmentCount(models.Model):
    """A segment's size after each full refresh: its growth over time."""

    _name = "marketing.segment.count"
    _description = "Marketing Segment Size"
    _order = "date desc, id desc"
    _log_access = False

    segment_id = fields.Many2one("marketing.segment", required=True, ondelete="cascade", index=True)
    date = fields.Datetime(required=True)
    member_count = fields.Integer("Members")
    entered = fields.Integer()
    exited = fields.Integer("Left")
