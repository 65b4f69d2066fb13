"""Confirmed sale orders in the marketing dashboard's revenue, on hand-built data (frozen 2026-05-20,
period April-May 2026): figures checked against amounts computed here."""

from datetime import datetime

from freezegun import freeze_time

from odoo.addons.marketing_automation_ext.tests.workflow_common import WorkflowCommon
from odoo.tests import tagged

NOW = datetime(2026, 5, 20, 12, 0)
FILTERS = {"date_from": "2026-04-01", "date_to": "2026-05-31", "attribution": "linear"}


def at(month, day, hour=10):
    return datetime(2026, month, day, hour, 0)


@tagged("post_install", "-at_install", "marketing_automation")
class TestSaleRevenue(WorkflowCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Dashboard = cls.env["marketing.dashboard"].with_context(tz="UTC")
        cls.journey = cls.Workflow.create({"name": "Shop journey", "model_name": "res.partner", "trigger": "manual"})
        cls.journey.state = "running"
        cls.news = cls._mailing(cls.journey, "Shop news")
        cls.offer = cls._mailing(cls.journey, "Shop offer")
        Partner = cls.env["res.partner"]
        cls.buyer, cls.late, cls.march, cls.deal = Partner.create(
            [{"name": "Shop %s" % n, "email": "shop%s@example.com" % n} for n in range(4)]
        )
        cls.env["marketing.event"]._record(
            [
                {"event_type": "email_click", "mailing_id": cls.news.id, "partner_id": cls.buyer.id, "date": at(4, 10)},
                {"event_type": "email_open", "mailing_id": cls.offer.id, "partner_id": cls.buyer.id, "date": at(4, 12)},
                # after the late customer's order: it does not earn it
                {"event_type": "email_open", "mailing_id": cls.news.id, "partner_id": cls.late.id, "date": at(5, 2)},
                {"event_type": "email_click", "mailing_id": cls.news.id, "partner_id": cls.march.id, "date": at(3, 1)},
                {"event_type": "email_click", "mailing_id": cls.offer.id, "partner_id": cls.deal.id, "date": at(4, 2)},
            ],
            rescore=False,
        )
        cls.product = cls.env["product.product"].create({"name": "Shop widget", "list_price": 1.0, "taxes_id": False})

        def order(partner, amount, when, confirm=True, **values):
            record = cls.env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "order_line": [(0, 0, {"product_id": cls.product.id, "price_unit": amount, "tax_id": False})],
                    **values,
                }
            )
            if confirm:
                record.action_confirm()
            record.date_order = when
            return record

        cls.order_buyer = order(cls.buyer, 300.0, at(4, 20))
        cls.order_late = order(cls.late, 200.0, at(5, 1))
        cls.order_draft = order(cls.buyer, 500.0, at(4, 25), confirm=False)
        cls.order_march = order(cls.march, 700.0, at(3, 15))
        # an order made from a won opportunity: the lead brings the revenue, the order is not counted again
        won_stage = cls.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        cls.lead = cls.env["crm.lead"].create(
            {"name": "Shop deal", "partner_id": cls.deal.id, "expected_revenue": 900.0, "type": "opportunity"}
        )
        cls.lead.write({"stage_id": won_stage.id})
        cls.lead.write({"date_closed": at(4, 28)})
        cls.order_deal = order(cls.deal, 900.0, at(4, 29), opportunity_id=cls.lead.id)

    def data(self, **filters):
        with freeze_time(NOW):
            return self.Dashboard.get_dashboard_data({**FILTERS, **filters})

    def test_confirmed_orders_share_their_revenue_with_the_messages_before_them(self):
        revenue = self.data()["revenue"]
        # counted: the buyer's 300 (two touches before it, linear: 150 + 150) and the late customer's 200
        # (no touch before it); not the draft, not March's, not the one from the won opportunity
        self.assertEqual(revenue["order_count"], 2)
        self.assertEqual(revenue["order_revenue"], 500.0)
        self.assertEqual(revenue["won_count"], 1, "the won opportunity")
        self.assertEqual(revenue["won_revenue"], 900.0)
        self.assertEqual(revenue["unattributed"], 200.0)
        self.assertEqual(
            {row["id"]: row["revenue"] for row in revenue["by_mailing"]},
            {self.news.id: 150.0, self.offer.id: 150.0 + 900.0},
        )
        self.assertEqual(revenue["by_journey"], {str(self.journey.id): 1200.0})

    def test_first_touch_and_salesperson_filter(self):
        revenue = self.data(attribution="first_touch")["revenue"]
        self.assertEqual(
            {row["id"]: row["revenue"] for row in revenue["by_mailing"]}, {self.news.id: 300.0, self.offer.id: 900.0}
        )
        seller = self.env["res.users"].create({"name": "Shop seller", "login": "shop-seller"})
        self.order_late.user_id = seller
        revenue = self.data(user_id=seller.id)["revenue"]
        self.assertEqual((revenue["order_count"], revenue["order_revenue"]), (1, 200.0), "only the seller's order")

    def test_quarters_include_orders(self):
        current = self.data()["quarters"][1]
        self.assertEqual(current["revenue"], 1200.0 + 0.0, "this quarter: the buyer's order and the won deal")
