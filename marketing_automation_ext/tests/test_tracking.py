import datetime
import re
from urllib.parse import urlparse

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import REPLY_TEMPLATE, MarketingCommon

PIXEL_RE = re.compile(r'src="(https?://[^"]+/mail/track/\d+/[0-9a-f]+/blank\.gif)"')
LINK_RE = re.compile(r'href="(https?://[^"]+/r/[A-Za-z0-9]+/m/\d+)"')


@tagged("post_install", "-at_install", "marketing_automation")
class TestRealMailingTracking(MarketingCommon, HttpCase):
    """A real mailing, opened and clicked through Odoo's own tracking routes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mailing = cls.env["mailing.mailing"].create(
            {
                "name": "Spring offer",
                "subject": "Our spring offer",
                "body_html": '<p>Hello <t t-out="object.name"/>, see '
                '<a href="https://www.example.com/pricing">our prices</a></p>',
                "mailing_model_id": cls.env["ir.model"]._get_id("res.partner"),
                "mailing_domain": repr([("id", "in", (cls.partner_anna | cls.partner_bob).ids)]),
                "mailing_type": "mail",
                "reply_to_mode": "update",
                "campaign_id": cls.env["utm.campaign"].create({"name": "Spring"}).id,
            }
        )

    def _send(self):
        with self.mock_mail_gateway(mail_unlink_sent=False):
            self.mailing.action_send_mail()
        self._score()
        sent = {
            partner: self._find_sent_mail_wemail(partner.email_formatted)
            for partner in self.partner_anna | self.partner_bob
        }
        return sent

    def _score(self):
        """What the "score new touchpoints" cron does every minute."""
        self.env["marketing.event"]._score_pending_now()

    def _path(self, url):
        parsed = urlparse(url)
        return parsed.path

    def test_status_written_in_sql_is_a_touchpoint_at_its_date(self):
        """An import or Odoo's own SQL that opens a trace is tracked like the pixel, dated as stored."""
        self._send()
        trace = self.env["mailing.trace"].search(
            [("mass_mailing_id", "=", self.mailing.id), ("res_id", "=", self.partner_bob.id)]
        )
        self.env.flush_all()
        # writes that reach no tracked status queue nothing
        self.env.cr.execute("UPDATE mailing_trace SET email = email WHERE id = %s", [trace.id])
        self.env.cr.execute("UPDATE mailing_trace SET trace_status = 'error' WHERE id = %s", [trace.id])
        self.assertFalse(self.env["marketing.event.queue"].search_count([]))
        opened = datetime.datetime(2026, 3, 2, 21, 15)
        self.env.cr.execute(
            "UPDATE mailing_trace SET trace_status = 'open', open_datetime = %s WHERE id = %s", [opened, trace.id]
        )
        self.assertEqual(self.env["marketing.event.queue"].search_count([]), 1)
        self._score()
        opens = self.events_of(self.partner_bob, "email_open")
        self.assertEqual(len(opens), 1)
        self.assertEqual(opens.date, opened)
        self.assertEqual(opens.mailing_id, self.mailing)

    def test_open_click_reply_move_scores_once(self):
        sent = self._send()
        anna_mail = sent[self.partner_anna]
        self.assertEqual(len(self.events_of(self.partner_anna, "email_sent")), 1)
        self.assertEqual(self.partner_anna.marketing_score, 7, "sending alone scores nothing here")

        pixel = PIXEL_RE.search(anna_mail["body"]).group(1)
        response = self.url_open(self._path(pixel))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "image/gif")
        # the pixel request only queues the touchpoint; the cron makes it an event and scores it
        self.assertEqual(self.env["marketing.event.queue"].search_count([]), 1)
        self.assertFalse(self.events_of(self.partner_anna, "email_open"))
        self.assertEqual(self.partner_anna.marketing_score, 7)
        self._score()
        self.assertFalse(self.env["marketing.event.queue"].search_count([]))
        opens = self.events_of(self.partner_anna, "email_open")
        self.assertEqual(len(opens), 1)
        self.assertTrue(opens.scored)
        self.assertEqual(opens.mailing_id, self.mailing)
        self.assertEqual(opens.campaign_id.name, "Spring")
        self.assertEqual(self.partner_anna.marketing_score, 12)
        self.assertEqual(self.lead_anna.marketing_score, 12 + 5, "the lead counts its contact's open")

        history = self.partner_anna.marketing_score_history_ids[0]
        self.assertEqual((history.old_score, history.score, history.reason), (7, 12, "Email opened"))
        self.assertEqual(history.event_id, opens)

        # a second delivery of the same open (mail client reloads the image) changes nothing
        self.url_open(self._path(pixel))
        self._score()
        self.assertEqual(len(self.events_of(self.partner_anna, "email_open")), 1)
        self.assertEqual(self.partner_anna.marketing_score, 12)

        link = LINK_RE.search(anna_mail["body"]).group(1)
        response = self.url_open(self._path(link), allow_redirects=False)
        self.assertIn(response.status_code, (301, 302))
        self.assertTrue(response.headers["Location"].startswith("https://www.example.com/pricing"))
        self._score()
        clicks = self.events_of(self.partner_anna, "email_click")
        self.assertEqual(len(clicks), 1)
        self.assertTrue(clicks.url.startswith("https://www.example.com/pricing"))
        self.assertEqual(self.partner_anna.marketing_score, 22)
        self.url_open(self._path(link), allow_redirects=False)
        self._score()
        self.assertEqual(len(self.events_of(self.partner_anna, "email_click")), 1)
        self.assertEqual(self.partner_anna.marketing_score, 22)

        # the reply comes back through the mail gateway
        with mute_logger("odoo.addons.mail.models.mail_thread"):
            self.gateway_mail_reply_wemail(
                REPLY_TEMPLATE, self.partner_anna.email_formatted, target_model="res.partner"
            )
        self._score()
        self.assertEqual(len(self.events_of(self.partner_anna, "email_reply")), 1)
        self.assertEqual(self.partner_anna.marketing_score, 42)
        self.assertEqual(self.lead_anna.marketing_score, 12 + 35)
        self.assertEqual(self.lead_anna.marketing_grade, "warm")

        # Bob did nothing: no score moved
        self.assertEqual(self.partner_bob.marketing_score, 0)
        self.assertFalse(self.events_of(self.partner_bob, "email_open"))

    def test_bounce_lowers_score(self):
        self._send()
        self.gateway_mail_trace_bounce(self.mailing, self.partner_bob)
        self._score()
        bounces = self.events_of(self.partner_bob, "email_bounce")
        self.assertEqual(len(bounces), 1)
        self.assertEqual(self.partner_bob.marketing_score, -15)

    def test_malformed_tracking_requests(self):
        self._send()
        response = self.url_open("/mail/track/999999/deadbeef/blank.gif")
        self.assertEqual(response.status_code, 401)
        response = self.url_open("/r/NOPE/m/123456", allow_redirects=False)
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.events_of(self.partner_anna, "email_open"))
        self.assertFalse(
            self.events_of(self.partner_anna, "email_click") | self.events_of(self.partner_bob, "email_click")
        )
