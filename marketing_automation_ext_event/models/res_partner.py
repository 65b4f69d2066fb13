from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    # what the event journeys' audiences, branches and goals filter on (Odoo has no such field)
    marketing_registration_ids = fields.One2many(
        "event.registration",
        "partner_id",
        string="Event Registrations",
    )
