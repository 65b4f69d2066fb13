from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    marketing_track_all_pages = fields.Boolean(related="website_id.marketing_track_all_pages", readonly=False)
