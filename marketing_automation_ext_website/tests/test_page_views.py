from odoo.tests import new_test_user, tagged

from .common import WebsiteMarketingCase


@tagged("post_install", "-at_install")
class TestPageViews(WebsiteMarketingCase):
    def page_views(self, lead):
        return self.env["marketing.event"].search([("lead_id", "=", lead.id), ("event_type", "=", "page_view")])

    def test_history_before_the_form_becomes_the_leads(self):
        self.visit("/")
        self.visit("/pricing")
        self.assertEqual(self.beacon("/", 3).status_code, 204)
        visitor = self.current_visitor()
        self.assertEqual(len(visitor.website_track_ids), 2, "every page is tracked, not only pages marked Track")
        self.assertTrue(all(visitor.website_track_ids.mapped("marketing_consent")))
        self.assertFalse(
            visitor.website_track_ids.marketing_event_id, "an anonymous visitor's reading is no touchpoint yet"
        )

        lead = self.submit_contact_form()
        views = self.page_views(lead)
        self.assertEqual(
            sorted(view.url.replace(self.base_url(), "") for view in views),
            ["/", "/pricing"],
            "the pages read before the form are on the new lead",
        )
        self.assertEqual(views.filtered(lambda v: v.url.endswith("/pricing")).dwell_seconds, 0)
        self.assertEqual(views.filtered(lambda v: v.url == self.base_url() + "/").dwell_seconds, 3)
        form = self.env["marketing.event"].search([("lead_id", "=", lead.id), ("event_type", "=", "form_submit")])
        self.assertEqual(len(form), 1)
        self.assertEqual(form.url, self.base_url() + "/contactus")
        self.assertEqual(form.medium_id, lead.medium_id, "the form's touchpoint keeps the visit's UTM")

        self.env["marketing.event"]._score_pending_now()
        self.assertEqual(lead.marketing_score, 10 + 15, "pricing page + form (no long read yet)")

    def test_known_visitor_touchpoint_at_once_and_dwell_once(self):
        self.visit("/")
        lead = self.submit_contact_form()
        self.env["marketing.event"]._score_pending_now()
        self.assertEqual(lead.marketing_score, 15)

        self.visit("/pricing")
        view = self.page_views(lead).filtered(lambda v: v.url.endswith("/pricing"))
        self.assertEqual(len(view), 1, "a known visitor's page view is a touchpoint at once")
        self.assertFalse(view.dwell_seconds)
        self.opened_ago(60)
        self.assertEqual(self.beacon("/pricing", 25).status_code, 204)
        view.invalidate_recordset()
        self.assertEqual(view.dwell_seconds, 25)
        self.assertEqual(self.beacon("/pricing", 40).status_code, 409, "one figure per page view")
        view.invalidate_recordset()
        self.assertEqual(view.dwell_seconds, 25)

        self.env["marketing.event"]._score_pending_now()
        self.assertEqual(lead.marketing_score, 15 + 10 + 7, "form + pricing + read 25 s (>= 20 s)")

    def test_refused_cookies_nothing_tracked_for_marketing(self):
        self.refuse_optional_cookies()
        self.visit("/pricing")
        visitor = self.current_visitor()
        self.assertTrue(visitor.website_track_ids, "Odoo still records its page view")
        self.assertFalse(visitor.website_track_ids.marketing_consent)
        before = self.stored_state()
        self.assertEqual(self.beacon("/pricing", 5).status_code, 403)
        self.assertEqual(self.stored_state(), before)
        lead = self.submit_contact_form()
        self.assertFalse(self.page_views(lead), "pages read without consent never become touchpoints")

    def test_partner_deleted_takes_its_browsing_history(self):
        partner = self.env["res.partner"].create({"name": "Gone Soon", "email": "gone@example.com"})
        self.visit("/")
        visitor = self.current_visitor()
        visitor.partner_id = partner
        self.visit("/pricing")
        tracks = visitor.website_track_ids
        self.assertEqual(len(self.env["marketing.event"].search([("partner_id", "=", partner.id)])), 2)
        partner.unlink()
        self.assertFalse(visitor.exists())
        self.assertFalse(tracks.exists())

    def test_login_brings_the_pages_read_before(self):
        user = new_test_user(self.env, login="reader_portal", groups="base.group_portal", email="reader@example.com")
        self.visit("/pricing")
        self.assertFalse(
            self.env["marketing.event"].search([("partner_id", "=", user.partner_id.id)]),
        )
        # log in on the same browser session, as the login form does (the session keeps its visitor)
        login_page = self.url_open("/web/login")
        csrf = login_page.text.partition('name="csrf_token" value="')[2].partition('"')[0]
        self.url_open("/web/login", data={"login": "reader_portal", "password": "reader_portal", "csrf_token": csrf})
        self.visit("/")
        urls = (
            self.env["marketing.event"]
            .search([("partner_id", "=", user.partner_id.id), ("event_type", "=", "page_view")])
            .mapped("url")
        )
        self.assertEqual(sorted(url.replace(self.base_url(), "") for url in urls), ["/", "/pricing"])

    def test_employees_are_not_tracked_for_marketing(self):
        self.authenticate("admin", "admin")
        self.visit("/pricing")
        visitor = self.current_visitor()
        self.assertEqual(visitor.partner_id, self.env.ref("base.user_admin").partner_id)
        self.assertFalse(visitor.website_track_ids.marketing_consent)
        self.assertEqual(self.beacon("/pricing", 1).status_code, 404, "no page view of theirs takes a reading time")
        self.assertFalse(visitor.website_track_ids.marketing_event_id)
