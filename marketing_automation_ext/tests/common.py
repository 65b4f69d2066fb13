"""Base classes for the addon's tests, built on Odoo's own mail/mass mailing helpers."""

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.addons.mass_mailing.tests.common import MassMailCommon

# An incoming reply, as the mail gateway receives it (same shape as test_mail's template).
REPLY_TEMPLATE = """Return-Path: {return_path}
To: {to}
cc: {cc}
From: {email_from}
Subject: {subject}
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Date: Fri, 10 Aug 2012 14:16:26 +0000
Message-ID: {msg_id}
{extra}
Yes, please call me this afternoon about the offer.
"""


class MarketingCommon(MassMailCommon):
    """Users per role, a few contacts and leads, and a known set of score rules."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_salesman = mail_new_test_user(
            cls.env,
            login="ma_salesman",
            name="Sam Salesman",
            groups="base.group_user,sales_team.group_sale_salesman",
        )
        cls.user_ma_user = mail_new_test_user(
            cls.env,
            login="ma_user",
            name="Mara Marketer",
            groups="base.group_user,base.group_partner_manager,mass_mailing.group_mass_mailing_user,"
            "marketing_automation_ext.group_marketing_automation_user",
        )
        cls.user_ma_manager = mail_new_test_user(
            cls.env,
            login="ma_manager",
            name="Max Manager",
            groups="base.group_user,base.group_partner_manager,mass_mailing.group_mass_mailing_user,"
            "sales_team.group_sale_salesman,marketing_automation_ext.group_marketing_automation_manager",
        )
        cls.company_2 = cls.env["res.company"].create({"name": "Second Company"})

        # Known journeys only: the demo's running journeys (made from templates, with scheduled steps
        # and a "created or updated" trigger) would enrol and email the tests' contacts.
        cls.env["marketing.workflow"].search([("state", "=", "running")]).action_pause()
        # Known rules only: the defaults shipped as data are archived here.
        cls.env["marketing.score.rule"].search([]).write({"active": False})
        Rule = cls.env["marketing.score.rule"]
        cls.rule_open = Rule.create(
            {
                "name": "Opened",
                "rule_type": "behaviour",
                "event_type": "email_open",
                "points": 5,
                "max_points": 20,
                "half_life_days": 0,
            }
        )
        cls.rule_click = Rule.create(
            {
                "name": "Clicked",
                "rule_type": "behaviour",
                "event_type": "email_click",
                "points": 10,
                "max_points": 0,
                "half_life_days": 0,
            }
        )
        cls.rule_reply = Rule.create(
            {
                "name": "Replied",
                "rule_type": "behaviour",
                "event_type": "email_reply",
                "points": 20,
                "half_life_days": 0,
            }
        )
        cls.rule_bounce = Rule.create(
            {
                "name": "Bounced",
                "rule_type": "behaviour",
                "event_type": "email_bounce",
                "points": -15,
                "half_life_days": 0,
            }
        )
        cls.rule_job = Rule.create(
            {
                "name": "Has a job position",
                "rule_type": "profile",
                "model_name": "res.partner",
                "domain": "[('function', '!=', False)]",
                "points": 7,
            }
        )
        cls.rule_big_deal = Rule.create(
            {
                "name": "Big deal",
                "rule_type": "profile",
                "model_name": "crm.lead",
                "domain": "[('expected_revenue', '>', 10000)]",
                "points": 12,
            }
        )

        cls.partner_anna = cls.env["res.partner"].create(
            {
                "name": "Anna Buyer",
                "email": "anna.buyer@example.com",
                "function": "CTO",
                "phone": "+32 456 00 11 22",
            }
        )
        cls.partner_bob = cls.env["res.partner"].create(
            {
                "name": "Bob Browser",
                "email": "bob.browser@example.com",
            }
        )
        cls.lead_anna = cls.env["crm.lead"].create(
            {
                "name": "Anna's office project",
                "type": "opportunity",
                "partner_id": cls.partner_anna.id,
                "expected_revenue": 25000,
            }
        )
        # what the "score new touchpoints" cron does within a minute (the lead's creation)
        cls.env["marketing.event"]._score_pending_now()
        cls.env.flush_all()

    def events_of(self, partner, event_type=None):
        domain = [("partner_id", "=", partner.id)]
        if event_type:
            domain.append(("event_type", "=", event_type))
        return self.env["marketing.event"].search(domain)

    def breakdown(self, record):
        """{rule name: (points, events)} as the Marketing Score tab shows it."""
        rows = self.env["marketing.score.rule"]._score_breakdown(record._name, record.id)
        return {row["rule"].name: (round(row["points"], 1), row["events"]) for row in rows}

    def record(self, partner, event_type, **kwargs):
        return self.env["marketing.event"].record_event(event_type, partner_id=partner.id, **kwargs)
