from odoo import fields, models


class Website(models.Model):
    _inherit = "website"

    marketing_track_all_pages = fields.Boolean(
        "Track Every Page for Marketing",
        default=True,
        help="Record a page view of every page, not only of the pages marked 'Track', so that known "
        "visitors' reading becomes touchpoints (scoring, segments, journeys).",
    )
