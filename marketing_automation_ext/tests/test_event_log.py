from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged, users

from .common import MarketingCommon


@tagged("post_install", "-at_install", "marketing_automation")
class TestEventLog(MarketingCommon):
    @users("ma_user")
    def test_record_event_api(self):
        """A marketing user records an external touchpoint; the score follows at once."""
        event_id = self.env["marketing.event"].record_event(
            "email_open",
            partner_id=self.partner_anna.id,
            source_key="ext-1",
            payload={"tool": "newsletter-x"},
        )
        event = self.env["marketing.event"].browse(event_id)
        self.assertEqual(event.partner_id, self.partner_anna)
        self.assertEqual(event.channel, "email")
        self.assertEqual(event.payload, {"tool": "newsletter-x"})
        # 7 (job position) + 5 (open)
        self.assertEqual(self.partner_anna.marketing_score, 12)
        # the lead counts its contact's events: 12 (big deal) + 5
        self.assertEqual(self.lead_anna.marketing_score, 17)

    def test_same_source_key_counts_once(self):
        first = self.record(self.partner_bob, "email_open", source_key="dup-1")
        second = self.record(self.partner_bob, "email_open", source_key="dup-1")
        self.assertTrue(first)
        self.assertFalse(second, "a second delivery of the same key records nothing")
        self.assertEqual(len(self.events_of(self.partner_bob, "email_open")), 1)
        self.assertEqual(self.partner_bob.marketing_score, 5)

    def test_bad_input_is_refused_and_stores_nothing(self):
        Event = self.env["marketing.event"]
        before = Event.search_count([])
        future = fields.Datetime.now() + timedelta(days=2)
        cases = [
            ({"event_type": "email_open", "partner_id": 999999999}, "no contact"),
            ({"event_type": "teleport", "partner_id": self.partner_bob.id}, "Unknown event type"),
            ({"event_type": "email_open", "partner_id": self.partner_bob.id, "date": future}, "future"),
            ({"event_type": "email_open", "partner_id": self.partner_bob.id, "date": "yesterday-ish"}, "not a valid"),
            ({"event_type": "email_open", "partner_id": self.partner_bob.id, "payload": {"x": "y" * 20000}}, "limit"),
            ({"event_type": "email_open"}, "needs a contact"),
            ({"event_type": "page_view", "partner_id": self.partner_bob.id, "dwell_seconds": -3}, "Dwell"),
            ({"event_type": "email_open", "partner_id": "7; DROP TABLE"}, "must be a record id"),
            ({"event_type": "email_open", "partner_id": self.partner_bob.id, "campaign_id": 999999999}, "campaign"),
            ({"event_type": "page_view", "partner_id": self.partner_bob.id, "url": "x" * 5000}, "URL"),
        ]
        for kwargs, message in cases:
            event_type = kwargs.pop("event_type")
            with self.subTest(message=message), self.assertRaisesRegex(ValidationError, message):
                Event.record_event(event_type, **kwargs)
        self.assertEqual(Event.search_count([]), before)
        self.assertEqual(self.partner_bob.marketing_score, 0)

    def test_log_is_append_only(self):
        event = self.env["marketing.event"].browse(self.record(self.partner_bob, "custom"))
        with self.assertRaises(ValidationError):
            event.write({"url": "https://tamper.example.com"})
        with self.assertRaises(ValidationError):
            self.env["marketing.event"].with_user(self.user_ma_manager).create(
                {"event_type": "email_open", "partner_id": self.partner_bob.id}
            )

    def test_salesman_cannot_record(self):
        with self.assertRaises(AccessError):
            self.env["marketing.event"].with_user(self.user_salesman).record_event(
                "email_open", partner_id=self.partner_bob.id
            )

    def test_crm_touchpoints(self):
        """Lead created, moved, won and lost become events on the lead and its contact."""
        stages = self.env["crm.stage"].search([("is_won", "=", False)], order="sequence", limit=2)
        won_stage = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        lead = self.env["crm.lead"].create(
            {
                "name": "Bob's desks",
                "type": "opportunity",
                "partner_id": self.partner_bob.id,
                "stage_id": stages[0].id,
            }
        )
        lead_events = self.env["marketing.event"].search([("lead_id", "=", lead.id)])
        self.assertEqual(lead_events.mapped("event_type"), ["lead_created"])
        self.assertEqual(lead_events.partner_id, self.partner_bob)
        lead.stage_id = stages[1]
        lead.action_set_won()
        types = self.env["marketing.event"].search([("lead_id", "=", lead.id)]).mapped("event_type")
        self.assertIn("lead_stage", types)
        self.assertIn("lead_won", types)
        self.assertEqual(lead.stage_id, won_stage)

        lost_lead = self.env["crm.lead"].create({"name": "Lost one", "partner_id": self.partner_bob.id})
        lost_lead.action_set_lost(lost_reason_id=self.env.ref("crm.lost_reason_1").id)
        lost = self.env["marketing.event"].search([("lead_id", "=", lost_lead.id), ("event_type", "=", "lead_lost")])
        self.assertEqual(len(lost), 1)
        self.assertEqual(lost.payload, {"reason": self.env.ref("crm.lost_reason_1").name})

    def test_activity_done_and_blacklist(self):
        activity = self.lead_anna.activity_schedule("mail.mail_activity_data_call", summary="Call Anna")
        activity.action_feedback(feedback="Interested")
        done = self.env["marketing.event"].search(
            [("lead_id", "=", self.lead_anna.id), ("event_type", "=", "activity_done")]
        )
        self.assertEqual(len(done), 1)
        self.assertEqual(done.partner_id, self.partner_anna)

        self.env["mail.blacklist"]._add(self.partner_bob.email)
        self.assertEqual(len(self.events_of(self.partner_bob, "blacklist")), 1)
        self.rule_blacklist = self.env["marketing.score.rule"].create(
            {
                "name": "Blacklisted",
                "rule_type": "behaviour",
                "event_type": "blacklist",
                "points": -30,
            }
        )
        self.env["marketing.score.rule"]._rescore()
        self.assertEqual(self.partner_bob.marketing_score, -30)
        self.assertEqual(self.partner_bob.marketing_grade, "cold")

        self.env["phone.blacklist"].add(self.partner_anna.phone)
        sms_bl = self.events_of(self.partner_anna, "blacklist")
        self.assertEqual(sms_bl.channel, "sms")

    def test_smart_button_lists_the_contact_events(self):
        self.record(self.partner_anna, "email_open")
        self.record(self.partner_anna, "page_view", url="https://example.com/pricing", dwell_seconds=40)
        # + the "lead created" event of her opportunity
        self.assertEqual(self.partner_anna.marketing_event_count, 3)
        action = self.partner_anna.action_view_marketing_events()
        self.assertEqual(self.env["marketing.event"].search_count(action["domain"]), 3)
        # the lead's button counts its contact's events and its own
        self.assertEqual(self.lead_anna.marketing_event_count, 3)


@tagged("post_install", "-at_install", "marketing_automation")
class TestTraceRecipients(MarketingCommon):
    """Mailings on leads and on mailing lists still land on the right contact."""

    def _mailing(self, model, domain, **values):
        return self.env["mailing.mailing"].create(
            {
                "name": "Mailing on %s" % model,
                "subject": "Hello",
                "body_html": "<p>Hello</p>",
                "mailing_model_id": self.env["ir.model"]._get_id(model),
                "mailing_domain": repr(domain),
                **values,
            }
        )

    def test_lead_mailing_open_counts_for_lead_and_contact(self):
        mailing = self._mailing("crm.lead", [("id", "=", self.lead_anna.id)])
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
        self.gateway_mail_trace_open(mailing, self.lead_anna)
        self.env["marketing.event"]._score_pending_now()
        opened = self.env["marketing.event"].search(
            [("event_type", "=", "email_open"), ("mailing_id", "=", mailing.id)]
        )
        self.assertEqual((opened.lead_id, opened.partner_id), (self.lead_anna, self.partner_anna))
        self.assertEqual(self.lead_anna.marketing_score, 12 + 5)
        self.assertEqual(self.partner_anna.marketing_score, 7 + 5)

    def test_list_contact_matched_by_email(self):
        mailing_list = self.env["mailing.list"].create(
            {
                "name": "Newsletter",
                "contact_ids": [(0, 0, {"name": "Bob on the list", "email": "Bob.Browser@example.com"})],
            }
        )
        mailing = self._mailing("mailing.list", [], contact_list_ids=[(4, mailing_list.id)])
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
        self.gateway_mail_trace_open(mailing, mailing_list.contact_ids)
        self.env["marketing.event"]._score_pending_now()
        self.assertEqual(len(self.events_of(self.partner_bob, "email_open")), 1)
        self.assertEqual(self.partner_bob.marketing_score, 5)
        # unsubscribing from the list is a touchpoint too
        mailing_list.subscription_ids.opt_out = True
        self.assertEqual(len(self.events_of(self.partner_bob, "unsubscribe")), 1)
