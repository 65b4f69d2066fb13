"""The one test where nothing is intercepted: a mailing leaves Odoo through a real
SMTP server (aiosmtpd on loopback) and its tracking links work."""

import email
import re
from datetime import datetime, timedelta
from email import policy
from urllib.parse import urlparse

from odoo.tests import HttpCase, tagged

from .common import MarketingCommon
from .smtp_server import local_smtp_server, really_send, wait_for_messages
from .workflow_common import WorkflowCommon


@tagged("post_install", "-at_install", "marketing_automation")
class TestRealSmtp(MarketingCommon, HttpCase):
    def test_mailing_through_real_smtp_server(self):
        handler, server = local_smtp_server(self)
        mailing = self.env["mailing.mailing"].create(
            {
                "name": "Real SMTP offer",
                "subject": "Real SMTP offer",
                "body_html": '<p>Hello, see <a href="https://www.example.com/pricing">our prices</a></p>',
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "mailing_domain": repr([("id", "=", self.partner_anna.id)]),
                "mail_server_id": server.id,
            }
        )
        with really_send():
            mailing.action_send_mail()
        wait_for_messages(handler, 1)
        self.assertEqual(len(handler.messages), 1, "one message reached the SMTP server")
        recipients, raw = handler.messages[0]
        self.assertEqual(recipients, [self.partner_anna.email])
        message = email.message_from_bytes(raw, policy=policy.SMTP)
        self.assertEqual(message["Subject"], "Real SMTP offer")
        html = message.get_body(("html",)).get_content()

        trace = mailing.mailing_trace_ids
        self.assertEqual(trace.trace_status, "sent")
        self.env["marketing.event"]._score_pending_now()
        self.assertEqual(len(self.events_of(self.partner_anna, "email_sent")), 1)

        pixel = re.search(r'src="(https?://[^"]+/mail/track/\d+/[0-9a-f]+/blank\.gif)"', html).group(1)
        self.assertEqual(self.url_open(urlparse(pixel).path).status_code, 200)
        link = re.search(r'href="(https?://[^"]+/r/[A-Za-z0-9]+/m/\d+)"', html).group(1)
        response = self.url_open(urlparse(link).path, allow_redirects=False)
        self.assertEqual(response.status_code, 301)
        self.assertTrue(response.headers["Location"].startswith("https://www.example.com/pricing"))

        self.env["marketing.event"]._score_pending_now()
        self.assertEqual(trace.trace_status, "open")
        self.assertEqual(len(self.events_of(self.partner_anna, "email_click")), 1)
        self.assertEqual(self.partner_anna.marketing_score, 7 + 5 + 10)


@tagged("post_install", "-at_install", "marketing_automation")
class TestJourneyRealSmtp(WorkflowCommon, HttpCase):
    """A journey's emails leave Odoo through a real SMTP server, and the tracking links in
    them drive the journey's branches."""

    def _run_for_real(self, handler, count):
        """The crons: journeys, then Odoo's mail queue through the real server."""
        with really_send():
            self.run_journeys()
        wait_for_messages(handler, count)
        self.assertEqual(len(handler.messages), count)
        return email.message_from_bytes(handler.messages[-1][1], policy=policy.SMTP)

    def test_journey_through_real_smtp_server(self):
        handler, server = local_smtp_server(self)
        workflow, steps = self._example_journey(model_name="res.partner")
        (steps["welcome"] | steps["offer"] | steps["second"]).mailing_id.mail_server_id = server
        workflow.action_start()
        workflow.enrol(self.partner_anna.ids)
        welcome = self._run_for_real(handler, 1)
        self.assertEqual(welcome["Subject"], "Welcome")
        self.assertEqual(handler.messages[0][0], [self.partner_anna.email])
        html = welcome.get_body(("html",)).get_content()
        self.assertIn("Anna Buyer", html, "rendered for the participant")
        pixel = re.search(r'src="(https?://[^"]+/mail/track/\d+/[0-9a-f]+/blank\.gif)"', html).group(1)
        self.assertEqual(self.url_open(urlparse(pixel).path).status_code, 200)

        # the open, seen through Odoo's own pixel route, sends the offer
        offer = self._run_for_real(handler, 2)
        self.assertEqual(offer["Subject"], "Our offer")
        participant = workflow.participant_ids
        self.assertEqual(self.trace_of(participant, steps["second"]).state, "canceled", "opened: no second chance")

        # the click on the offer's tracked link schedules the salesperson's call in 2 days
        link = re.search(r'href="(https?://[^"]+/r/[A-Za-z0-9]+/m/\d+)"', offer.get_body(("html",)).get_content())
        response = self.url_open(urlparse(link.group(1)).path, allow_redirects=False)
        self.assertEqual(response.status_code, 301)
        self.assertTrue(response.headers["Location"].startswith("https://www.example.com/offer"))
        self.run_journeys()
        call = self.trace_of(participant, steps["call"])
        self.assertEqual(call.state, "scheduled")
        self.assertGreater(call.schedule_date, datetime.now() + timedelta(days=1, hours=23))
