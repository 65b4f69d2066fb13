from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import WebsiteMarketingCase


@tagged("post_install", "-at_install")
class TestWebsiteTriggers(WebsiteMarketingCase):
    def setUp(self):
        super().setUp()
        self.partner = self.env["res.partner"].create({"name": "Rita Reader", "email": "rita@example.com"})

    def known_visit(self, *paths):
        """Rita browses while known (e.g. logged in earlier): each page view is a touchpoint at once."""
        self.visit(paths[0])
        self.current_visitor().partner_id = self.partner
        for path in paths[1:]:
            self.visit(path)

    def test_segment_conditions_visited_and_read(self):
        Segment = self.env["marketing.segment"]
        visited = Segment.create(
            {"name": "Saw prices", "condition_ids": [(0, 0, {"event_type": "page_view", "url_pattern": "*/pricing*"})]}
        )
        read = Segment.create(
            {
                "name": "Read prices 30 s",
                "condition_ids": [
                    (0, 0, {"event_type": "page_view", "url_pattern": "*/pricing*", "min_dwell_seconds": 30})
                ],
            }
        )
        self.known_visit("/", "/pricing")
        (visited | read)._refresh()
        self.assertIn(self.partner, visited.member_ids.partner_id)
        self.assertNotIn(self.partner, read.member_ids.partner_id)

        self.opened_ago(90)
        self.assertEqual(self.beacon("/pricing", 45).status_code, 204)
        self.env["marketing.event"]._score_pending_now()  # what the cron does: rescoring refreshes their segments
        read.invalidate_recordset()
        self.assertIn(self.partner, read.member_ids.filtered(lambda m: not m.date_exited).partner_id)

    def test_journey_on_long_read_waits_for_the_figure(self):
        journey = self.env["marketing.workflow"].create(
            {
                "name": "Read the prices",
                "trigger": "event",
                "trigger_event_type": "page_view",
                "trigger_url_pattern": "*/pricing*",
                "trigger_min_dwell_seconds": 30,
                "quiet_hours": False,
            }
        )
        self.env["marketing.workflow.step"].create({"name": "Wait", "workflow_id": journey.id, "action_type": "wait"})
        journey.action_start()
        self.known_visit("/", "/pricing")
        self.env["marketing.workflow"]._run_now()
        self.assertFalse(journey.participant_ids, "a view without its reading time does not start it")
        self.opened_ago(60)
        self.assertEqual(self.beacon("/pricing", 10).status_code, 204)
        self.env["marketing.workflow"]._run_now()
        self.assertFalse(journey.participant_ids, "10 s is not a read of 30 s")
        self.visit("/pricing")
        self.opened_ago(60)
        self.assertEqual(self.beacon("/pricing", 35).status_code, 204)
        self.env["marketing.workflow"]._run_now()
        self.assertEqual(journey.participant_ids.partner_id, self.partner)

    def test_newsletter_signup_starts_journey_with_utm(self):
        mailing_list = self.env["mailing.list"].create({"name": "Product news"})
        campaign = self.env["utm.campaign"].create({"name": "Spring launch"})
        journey = self.env["marketing.workflow"].create(
            {"name": "Welcome", "trigger": "event", "trigger_event_type": "signup", "quiet_hours": False}
        )
        self.env["marketing.workflow.step"].create({"name": "Wait", "workflow_id": journey.id, "action_type": "wait"})
        journey.action_start()
        self.visit("/?utm_campaign=Spring launch")
        self.visit("/pricing")
        response = self.make_jsonrpc_request(
            "/website_mass_mailing/subscribe",
            {"list_id": mailing_list.id, "value": "nina.new@example.com", "subscription_type": "email"},
        )
        self.assertEqual(response["toast_type"], "success")
        partner = self.env["res.partner"].search([("email", "=", "nina.new@example.com")])
        self.assertEqual(len(partner), 1, "the signup made a contact journeys can reach")
        signup = self.env["marketing.event"].search([("partner_id", "=", partner.id), ("event_type", "=", "signup")])
        self.assertEqual(signup.campaign_id, campaign, "with the campaign of the visit")
        self.assertEqual(signup.payload, {"list": "Product news"})
        self.assertEqual(
            len(
                self.env["marketing.event"].search([("partner_id", "=", partner.id), ("event_type", "=", "page_view")])
            ),
            2,
            "the pages read before signing up are the new contact's",
        )
        self.env["marketing.workflow"]._run_now()
        self.assertEqual(journey.participant_ids.partner_id, partner)

    def test_mailing_link_identifies_the_visitor(self):
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Our prices",
                "body_html": "<p>See our prices</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
            }
        )
        link = self.env["link.tracker"].create({"url": self.base_url() + "/pricing", "mass_mailing_id": mailing.id})
        trace = self.env["mailing.trace"].create(
            {
                "mass_mailing_id": mailing.id,
                "model": "res.partner",
                "res_id": self.partner.id,
                "email": "rita@example.com",
            }
        )
        other = self.env["mailing.mailing"].create(
            {"subject": "Other", "body_html": "<p>x</p>", "mailing_model_id": mailing.mailing_model_id.id}
        )
        foreign = self.env["link.tracker"].create({"url": self.base_url() + "/", "mass_mailing_id": other.id})

        # a trace id with a link of another mailing identifies nobody
        self.url_open("/r/%s/m/%s" % (foreign.code, trace.id), allow_redirects=False)
        self.visit("/")
        self.assertFalse(self.current_visitor().partner_id)

        self.url_open("/r/%s/m/%s" % (link.code, trace.id), allow_redirects=False)
        self.visit("/pricing")
        self.assertEqual(self.current_visitor().partner_id, self.partner)
        views = self.env["marketing.event"].search(
            [("partner_id", "=", self.partner.id), ("event_type", "=", "page_view")]
        )
        self.assertEqual(len(views), 2, "the landing page and the page read before the click")

    def test_sms_link_identifies_the_visitor(self):
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "SMS prices",
                "mailing_type": "sms",
                "body_plaintext": "See our prices",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
            }
        )
        link = self.env["link.tracker"].create({"url": self.base_url() + "/pricing", "mass_mailing_id": mailing.id})
        self.env["mailing.trace"].create(
            {
                "trace_type": "sms",
                "mass_mailing_id": mailing.id,
                "model": "res.partner",
                "res_id": self.partner.id,
                "sms_id_int": 987654,
                "sms_number": "+32456001122",
            }
        )
        self.url_open("/r/%s/s/%s" % (link.code, 987654), allow_redirects=False)
        self.visit("/pricing")
        self.assertEqual(self.current_visitor().partner_id, self.partner)
        self.assertEqual(
            self.env["marketing.event"]
            .search([("partner_id", "=", self.partner.id), ("event_type", "=", "page_view")])
            .mapped("url"),
            [self.base_url() + "/pricing"],
        )

    def test_unidentified_visitors_purged_by_odoo(self):
        self.visit("/pricing")
        anonymous = self.current_visitor()
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE website_visitor SET last_connection_datetime = %s WHERE id = %s",
            [fields.Datetime.now() - timedelta(days=400), anonymous.id],
        )
        anonymous.invalidate_recordset()
        tracks = anonymous.website_track_ids
        self.env["website.visitor"]._cron_unlink_old_visitors()
        self.assertFalse(anonymous.exists())
        self.assertFalse(tracks.exists(), "its page views (and reading times) went with it")

    def test_form_the_admin_marks_is_a_touchpoint(self):
        campaign = self.env["utm.campaign"].create({"name": "Autumn webinar"})
        # a "Subscribe to newsletter" form built in the website builder (mailing contacts)
        contact_model = self.env["ir.model"]._get("mailing.contact")
        webinar_list = self.env["mailing.list"].create({"name": "Webinar", "is_public": True})
        self.env.flush_all()
        self.visit("/?utm_campaign=Autumn webinar")
        data = {"name": "Rita", "email": "rita@example.com", "list_ids": str(webinar_list.id)}
        self.url_open("/website/form/mailing.contact", data={**data, "email": "rita.again@example.com"})
        self.assertFalse(self.events_of("form_submit"), "an unmarked model's form is no touchpoint")
        contact_model.marketing_form_touchpoint = True
        self.env.flush_all()
        response = self.url_open("/website/form/mailing.contact", data=data)
        self.assertTrue(response.json().get("id"), response.text)
        form = self.events_of("form_submit")
        self.assertEqual(len(form), 1)
        self.assertEqual(form.campaign_id, campaign, "the campaign of the visit")
        self.assertEqual(form.payload["model"], "mailing.contact")
        self.assertEqual(self.current_visitor().partner_id, self.partner, "the form's email identified the visitor")
        self.assertEqual(len(self.events_of("page_view")), 1, "the page read before the form is Rita's")

    def events_of(self, event_type):
        return self.env["marketing.event"].search(
            [("partner_id", "=", self.partner.id), ("event_type", "=", event_type)]
        )
