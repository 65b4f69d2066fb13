from odoo import models


class ResPartner(models.Model):
    _inherit = "res.partner"

    def unlink(self):
        # a contact's browsing history goes with it: its touchpoints cascade, its visitors
        # (and their page views, time on page included) are deleted here
        visitors = self.env["website.visitor"].sudo().search([("partner_id", "in", self.ids)])
        result = super().unlink()
        visitors.exists().unlink()
        return result
