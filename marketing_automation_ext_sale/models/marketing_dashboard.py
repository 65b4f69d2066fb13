from odoo import models
from odoo.addons.marketing_automation_ext.models.marketing_dashboard import ENGAGEMENT_EVENTS
from odoo.tools import SQL


class MarketingDashboard(models.AbstractModel):
    _inherit = "marketing.dashboard"

    def _confirmed_orders_query(self, start, end):
        """Confirmed orders of [start, end) the user may see (sales record rules), as an SQL subquery.

        An order made from an opportunity is left out: the won lead already brings its revenue."""
        domain = [("state", "=", "sale"), ("date_order", ">=", start), ("date_order", "<", end)]
        if "opportunity_id" in self.env["sale.order"]._fields:  # sale_crm
            domain.append(("opportunity_id", "=", False))
        return self.env["sale.order"]._search(domain).select(SQL('"sale_order"."id"'))

    def _other_revenue(self, f, start, end):
        """Confirmed sale orders, untaxed and in the company's currency, shared among the messages whose
        engagement touchpoints of the customer came before the order."""
        rows = super()._other_revenue(f, start, end)
        if not self.env["sale.order"].has_access("read"):
            return rows
        self.env.cr.execute(
            SQL(
                """SELECT o.id, o.date_order,
                          o.amount_untaxed / COALESCE(NULLIF(o.currency_rate, 0), 1),
                          ARRAY(SELECT e.mailing_id FROM marketing_event e
                                 WHERE e.partner_id = o.partner_id AND e.date <= o.date_order
                                       AND e.mailing_id IS NOT NULL AND e.event_type IN %(types)s
                                 ORDER BY e.date, e.id)
                     FROM sale_order o
                    WHERE o.id IN (%(orders)s) AND %(person)s""",
                types=ENGAGEMENT_EVENTS,
                orders=self._confirmed_orders_query(start, end),
                # the segment filter on the customer; the salesperson filter on the order's
                person=SQL(" AND ").join(
                    [
                        self._person_filters(dict(f, user_id=False), SQL("o.partner_id"), SQL("NULL::int")),
                        SQL("o.user_id = %s", f["user_id"]) if f["user_id"] else SQL("TRUE"),
                    ]
                ),
            )
        )
        return rows + [
            (("sale.order", order_id), date, amount, touches)
            for order_id, date, amount, touches in self.env.cr.fetchall()
        ]
