from odoo import fields, models


class IrModel(models.Model):
    _inherit = "ir.model"

    marketing_form_touchpoint = fields.Boolean(
        "Website Forms Are Touchpoints",
        help="A website form creating a record of this model records a 'Form submitted' touchpoint for the "
        "visitor (with the UTM of the visit), which scores and can start journeys. Always on for leads.",
    )
