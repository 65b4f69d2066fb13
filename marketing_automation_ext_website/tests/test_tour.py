from odoo.tests import tagged

from .common import WebsiteMarketingCase


@tagged("post_install", "-at_install")
class TestWebsiteVisitTour(WebsiteMarketingCase):
    def test_visit_reading_form_lead_score_journey(self):
        """A real browser: read, leave, return, contact form; the lead carries it all."""
        # the admin set the contact form to create opportunities, as website_crm's own tour does
        contactus = self.env["website"].with_context(website_id=self.website.id).viewref("website.contactus")
        contactus.arch = contactus.arch.replace('data-model_name="mail.mail"', 'data-model_name="crm.lead"')
        Workflow = self.env["marketing.workflow"]
        on_form = Workflow.create(
            {
                "name": "Contact form follow-up",
                "model_name": "crm.lead",
                "trigger": "event",
                "trigger_event_type": "form_submit",
                "quiet_hours": False,
            }
        )
        on_read = Workflow.create(
            {
                "name": "Read the prices",
                "model_name": "crm.lead",
                "trigger": "event",
                "trigger_event_type": "page_view",
                "trigger_url_pattern": "*/pricing*",
                "trigger_min_dwell_seconds": 2,
                "quiet_hours": False,
            }
        )
        for workflow in on_form | on_read:
            self.env["marketing.workflow.step"].create(
                {"name": "Wait", "workflow_id": workflow.id, "action_type": "wait"}
            )
            workflow.action_start()

        self.start_tour("/pricing", "marketing_website_visit_tour")

        lead = self.env["crm.lead"].search([("email_from", "=", "tour.visitor@example.com")])
        self.assertEqual(len(lead), 1)
        views = self.env["marketing.event"].search(
            [("lead_id", "=", lead.id), ("event_type", "=", "page_view")], order="date, id"
        )
        pricing = views.filtered(lambda view: view.url.endswith("/pricing"))
        self.assertEqual(len(pricing), 2, "both reads of the pricing page, before the form, are on the lead")
        self.assertTrue(views.filtered(lambda view: view.url.endswith("/contactus")))
        self.assertTrue(
            any(view.dwell_seconds >= 2 for view in pricing), "time on page: %s" % pricing.mapped("dwell_seconds")
        )
        self.assertEqual(
            self.env["marketing.event"].search_count([("lead_id", "=", lead.id), ("event_type", "=", "form_submit")]),
            1,
        )

        before = lead.marketing_score
        self.env["marketing.event"]._score_pending_now()
        self.assertEqual(before, 0)
        self.assertEqual(lead.marketing_score, 2 * 10 + 15, "two pricing page views and the form")
        self.assertTrue(lead.marketing_score_history_ids)

        Workflow._run_now()
        self.assertEqual(on_form.participant_ids.lead_id, lead, "the form started the follow-up journey")
        self.assertEqual(on_read.participant_ids.lead_id, lead, "reading the prices 2 s or more started its journey")
