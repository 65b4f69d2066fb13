from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

# how the number of idle hours compares, turned into how the last change compares (more idle = older)
IDLE_TO_WRITE_DATE = {">=": "<=", ">": "<", "<=": ">=", "<": ">"}


class SaleOrder(models.Model):
    _inherit = "sale.order"

    marketing_cart_idle_hours = fields.Float(
        "Idle Hours",
        compute="_compute_marketing_cart_idle_hours",
        search="_search_marketing_cart_idle_hours",
        help="Hours since the order was last changed: a journey filter can say 'left for at least 1 hour', "
        "which a fixed date in a domain cannot.",
    )
    marketing_public_cart = fields.Boolean(
        "Public Visitor's Cart",
        compute="_compute_marketing_public_cart",
        search="_search_marketing_public_cart",
        help="The order belongs to a website's public user: nobody to write to.",
    )

    def _compute_marketing_cart_idle_hours(self):
        now = fields.Datetime.now()
        for order in self:
            changed = order.write_date or now
            order.marketing_cart_idle_hours = (now - changed).total_seconds() / 3600

    def _search_marketing_cart_idle_hours(self, operator, value):
        if operator not in IDLE_TO_WRITE_DATE or isinstance(value, bool) or not isinstance(value, (int, float)):
            raise UserError(self.env._("Idle hours compare with >, >=, < or <= to a number of hours."))
        moment = fields.Datetime.now() - timedelta(hours=value)
        return [("write_date", IDLE_TO_WRITE_DATE[operator], moment)]

    @api.model
    def _marketing_public_partner_ids(self):
        websites = self.env["website"].sudo().with_context(active_test=False).search([])
        public = websites.user_id.partner_id | self.env.ref("base.public_partner", raise_if_not_found=False)
        return public.ids

    def _compute_marketing_public_cart(self):
        public_ids = set(self._marketing_public_partner_ids())
        for order in self:
            order.marketing_public_cart = order.partner_id.id in public_ids

    def _search_marketing_public_cart(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Search public visitors' carts with = or != and True or False."))
        inside = (operator == "=") == value
        return [("partner_id", "in" if inside else "not in", self._marketing_public_partner_ids())]
