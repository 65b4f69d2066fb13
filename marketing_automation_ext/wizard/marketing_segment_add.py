from odoo import api, fields, models
from odoo.exceptions import UserError


class MarketingSegmentAdd(models.TransientModel):
    """Add the selected contacts or leads to a static segment (list action)."""

    _name = "marketing.segment.add"
    _description = "Add to Static Segment"

    res_model = fields.Char(required=True)
    res_ids = fields.Json(required=True)
    segment_id = fields.Many2one(
        "marketing.segment", required=True, domain="[('segment_type', '=', 'static'), ('model_name', '=', res_model)]"
    )
    action = fields.Selection([("add", "Add"), ("remove", "Remove")], default="add", required=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        values.setdefault("res_model", context.get("active_model"))
        values.setdefault("res_ids", context.get("active_ids") or [])
        return values

    def action_apply(self):
        self.ensure_one()
        if not self.res_ids:
            raise UserError(self.env._("Select the records to add first."))
        records = self.env[self.res_model].browse(self.res_ids).exists()
        if self.action == "add":
            self.segment_id._add_members(records)
        else:
            self.segment_id._remove_members(records)
        return {"type": "ir.actions.act_window_close"}
