from markupsafe import Markup

from odoo import fields, models
from odoo.tools import format_amount

# a website cart someone may still pay: what the abandoned cart journey writes about
OPEN_CART_DOMAIN = [
    ("website_id", "!=", False),
    ("state", "in", ["draft", "sent"]),
    ("order_line", "!=", False),
    ("marketing_public_cart", "=", False),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    marketing_cart_id = fields.Many2one(
        "sale.order", string="Open Website Cart", compute="_compute_marketing_cart", compute_sudo=True
    )
    marketing_cart_url = fields.Char("Cart Link", compute="_compute_marketing_cart", compute_sudo=True)
    marketing_cart_summary = fields.Html("Cart Content", compute="_compute_marketing_cart", compute_sudo=True)

    def _compute_marketing_cart(self):
        """The contact's latest open website cart, its content and the link that brings it back
        (Odoo's /shop/cart revives a cart from its access token, in any browser)."""
        carts = self.env["sale.order"].search(
            [("partner_id", "in", self.ids), *OPEN_CART_DOMAIN], order="write_date desc, id desc"
        )
        latest = {}
        for cart in carts:
            latest.setdefault(cart.partner_id.id, cart)
        for partner in self:
            cart = latest.get(partner.id)
            partner.marketing_cart_id = cart
            if not cart:
                partner.marketing_cart_url = False
                partner.marketing_cart_summary = False
                continue
            partner.marketing_cart_url = "%s/shop/cart?access_token=%s" % (
                cart.get_base_url(),
                cart._portal_ensure_token(),
            )
            partner.marketing_cart_summary = partner._marketing_cart_summary(cart)

    def _marketing_cart_summary(self, cart):
        cart = cart.with_context(lang=self.lang)
        env = cart.env
        rows = Markup("").join(
            Markup(
                '<tr><td style="padding:4px 8px">%s × %s</td><td style="padding:4px 8px;text-align:right">%s</td></tr>'
            )
            % (
                "%g" % line.product_uom_qty,
                line.product_id.display_name,
                format_amount(env, line.price_total, cart.currency_id),
            )
            for line in cart.website_order_line
        )
        total = Markup(
            '<tr><td style="padding:4px 8px"><strong>%s</strong></td>'
            '<td style="padding:4px 8px;text-align:right"><strong>%s</strong></td></tr>'
        ) % (
            env._("Total"),
            format_amount(env, cart.amount_total, cart.currency_id),
        )
        return Markup('<table class="o_ma_cart" style="border-collapse:collapse">%s%s</table>') % (rows, total)
