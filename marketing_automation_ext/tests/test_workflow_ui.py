from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install", "marketing_automation")
class TestWorkflowUi(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner_tester = cls.env["res.partner"].create({"name": "Tour Tester", "email": "tour.tester@example.com"})
        # a marketer, not an administrator: the tour also checks what their access rights allow
        mail_new_test_user(
            cls.env,
            login="ma_journey_user",
            name="Jo Journey",
            groups="base.group_user,base.group_partner_manager,mass_mailing.group_mass_mailing_user,"
            "marketing_automation_ext.group_marketing_automation_user",
        )

    def test_workflow_tour(self):
        """A marketer builds a journey as a tree of cards, tests it and runs its first step."""
        self.start_tour("/odoo", "marketing_workflow_tour", login="ma_journey_user")

        workflow = self.env["marketing.workflow"].search([("name", "=", "Tour journey")])
        self.assertEqual(len(workflow), 1)
        self.assertEqual(workflow.model_name, "res.partner")
        self.assertEqual(len(workflow.step_ids), 3)
        root = workflow.step_ids.filtered(lambda s: s.name == "Tour welcome")
        self.assertEqual(len(root), 1)
        self.assertFalse(root.parent_id)
        self.assertEqual(root.action_type, "activity")
        self.assertEqual(sorted(root.child_ids.mapped("name")), ["Tour cold branch", "Tour hot branch"])
        conditions = {step.name: step.condition for step in root.child_ids}
        self.assertEqual(conditions, {"Tour hot branch": "branch_true", "Tour cold branch": "branch_false"})

        participant = self.env["marketing.workflow.participant"].search(
            [("workflow_id", "=", workflow.id), ("is_test", "=", True)]
        )
        self.assertEqual(len(participant), 1)
        self.assertEqual(participant.res_id, self.partner_tester.id)
        trace = participant.trace_ids.filtered(lambda t: t.step_id == root)
        self.assertEqual(trace.state, "processed")


@tagged("post_install", "-at_install", "marketing_automation")
class TestTemplateUi(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner_tester = cls.env["res.partner"].create({"name": "Tour Tester", "email": "tour.tester@example.com"})
        cls.marketer = mail_new_test_user(
            cls.env,
            login="ma_template_user",
            name="Tess Template",
            email="tess@example.com",
            groups="base.group_user,base.group_partner_manager,mass_mailing.group_mass_mailing_user,"
            "marketing_automation_ext.group_marketing_automation_user",
        )

    def test_template_tour(self):
        """A marketer (not an admin) starts a journey from the gallery, edits an email, tests it and sees
        the step reached."""
        self.start_tour("/odoo", "marketing_template_tour", login="ma_template_user")
        workflow = self.env["marketing.workflow"].search([("name", "=", "Tour welcome series")])
        self.assertEqual(len(workflow), 1)
        self.assertEqual(workflow.state, "draft")
        self.assertEqual(workflow.create_uid, self.marketer)
        first = workflow.step_ids.filtered(lambda s: s.name == "Welcome email")
        self.assertEqual(first.mailing_id.subject, "Welcome to the tour!", "the edited subject is kept")
        self.assertIn("TOUR10", workflow.step_ids.filtered(lambda s: s.name == "Two weeks in").mailing_id.body_html)
        participant = workflow.participant_ids.filtered("is_test")
        self.assertEqual(participant.res_id, self.partner_tester.id)
        trace = participant.trace_ids.filtered(lambda t: t.step_id == first)
        self.assertEqual(trace.state, "sending", "queued in Odoo's mail queue")
        self.assertEqual(trace.mailing_trace_ids.email, "tour.tester@example.com")
