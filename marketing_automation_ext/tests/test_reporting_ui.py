import io
from datetime import datetime, timedelta

from PIL import Image

from odoo.tests import HttpCase, common, tagged

from .test_screenshots import HEIGHT, PNG_SIGNATURE, WIDTH, ScreenshotBrowser, artefacts_folder, optimise_png


def enrol(workflow, partners, **values):
    """Participants of ``workflow`` for these contacts, as the engine enrols them."""
    return workflow.env["marketing.workflow.participant"].create(
        [
            {
                "workflow_id": workflow.id,
                "res_model": "res.partner",
                "res_id": partner.id,
                "partner_id": partner.id,
                "unique_key": "res.partner:%s" % partner.id,
                "state": "running",
                "is_test": False,
                **values,
            }
            for partner in partners
        ]
    )


@tagged("post_install", "-at_install", "marketing_automation")
class TestJourneyDiagramUi(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        workflow = cls.env["marketing.workflow"].create(
            {"name": "Diagram tour journey", "model_name": "res.partner", "trigger": "manual"}
        )
        Step = cls.env["marketing.workflow.step"]
        # 60 steps as a binary tree (D01 first, Dn after D(n // 2)): wide and deep at once
        steps = {}
        for number in range(1, 61):
            parent = steps.get(number // 2)
            steps[number] = Step.create(
                {
                    "name": "D%02d" % number,
                    "workflow_id": workflow.id,
                    "parent_id": parent.id if parent else False,
                    "condition": ("branch_true" if number % 2 == 0 else "branch_false") if parent else "after",
                    "action_type": "wait",
                }
            )
        partners = cls.env["res.partner"].create([{"name": "Diagram %s" % n} for n in range(3)])
        participants = enrol(workflow, partners)
        cls.env["marketing.workflow.trace"].create(
            [
                {"participant_id": p.id, "workflow_id": workflow.id, "step_id": steps[1].id, "state": "processed"}
                for p in participants
            ]
        )

    def test_journey_diagram_tour(self):
        """60 steps drawn as a diagram: boxes apart and below their parent, figures on boxes and edges,
        zoom; the layout function checked on hand-built trees."""
        self.start_tour("/odoo", "marketing_diagram_tour", login="admin")


@tagged("post_install", "-at_install", "marketing_automation")
class TestDashboardUi(HttpCase):
    """The dashboard and a journey diagram in the browser, on a journey whose figures are known."""

    browser_size = "%dx%d" % (WIDTH, HEIGHT)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        now = datetime.now().replace(minute=0, second=0, microsecond=0)
        workflow = cls.env["marketing.workflow"].create(
            {"name": "Dashboard tour journey", "model_name": "res.partner", "trigger": "manual", "cost": 500.0}
        )
        mailings = cls.env["mailing.mailing"].create(
            [
                {
                    "subject": subject,
                    "marketing_workflow_id": workflow.id,
                    "mailing_type": "mail",
                    "body_html": "<p>Hello</p>",
                }
                for subject in ("Tour welcome mail", "Tour reminder mail")
            ]
        )
        Step = cls.env["marketing.workflow.step"]
        welcome = Step.create(
            {"name": "Tour welcome", "workflow_id": workflow.id, "action_type": "email", "mailing_id": mailings[0].id}
        )
        reminder = Step.create(
            {
                "name": "Tour reminder",
                "workflow_id": workflow.id,
                "parent_id": welcome.id,
                "action_type": "email",
                "mailing_id": mailings[1].id,
            }
        )
        workflow.state = "running"
        partners = cls.env["res.partner"].create(
            [{"name": "Dashboard tour %s" % n, "email": "dash.tour%s@example.com" % n} for n in range(4)]
        )
        participants = enrol(workflow, partners, date_enrolled=now - timedelta(days=3))
        participants[0].state = "converted"
        Trace = cls.env["marketing.workflow.trace"]
        # the welcome email: opened and clicked, opened, delivered; the fourth participant got nothing yet
        for participant, status, clicked in zip(
            participants, ("open", "open", "sent"), (True, False, False), strict=False
        ):
            trace = Trace.create(
                {
                    "participant_id": participant.id,
                    "workflow_id": workflow.id,
                    "step_id": welcome.id,
                    "state": "processed",
                }
            )
            cls.env["mailing.trace"].create(
                {
                    "model": "res.partner",
                    "res_id": participant.res_id,
                    "mass_mailing_id": mailings[0].id,
                    "email": participant.partner_id.email,
                    "trace_status": status,
                    "open_datetime": now - timedelta(days=2) if status == "open" else False,
                    "links_click_datetime": now - timedelta(days=2) if clicked else False,
                    "marketing_workflow_trace_id": trace.id,
                }
            )
        Trace.create(
            [
                {"participant_id": p.id, "workflow_id": workflow.id, "step_id": reminder.id, "state": "processed"}
                for p in participants[:2]
            ]
        )
        cls.env["marketing.event"]._record(
            [
                {
                    "event_type": "email_open",
                    "partner_id": p.id,
                    "mailing_id": mailings[0].id,
                    "date": now - timedelta(days=2),
                }
                for p in partners[:2]
            ],
            rescore=False,
        )
        lead = cls.env["crm.lead"].create(
            {
                "name": "Dashboard tour deal",
                "partner_id": partners[0].id,
                "expected_revenue": 1500,
                "type": "opportunity",
            }
        )
        lead.stage_id = cls.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        lead.date_closed = now - timedelta(days=1)

    def test_dashboard_tour(self):
        """The dashboard's figures on screen (participants, conversion, revenue, ROI, funnel, heatmap, a chart),
        a click-through, then the journey's diagram; both screens stored as test artefacts."""
        self.marketing_screenshots = {}
        self.patch(common, "ChromeBrowser", ScreenshotBrowser)
        self.start_tour("/odoo", "marketing_dashboard_tour", login="admin", timeout=120)
        self.start_tour("/odoo", "marketing_diagram_screenshot_tour", login="admin", timeout=120)
        self.assertEqual(set(self.marketing_screenshots), {"dashboard", "diagram"})
        folder = artefacts_folder()
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in self.marketing_screenshots.items():
            self.assertIsInstance(data, bytes, "screenshot %s failed: %s" % (name, data))
            self.assertTrue(data.startswith(PNG_SIGNATURE), name)
            (folder / ("reporting_%s.png" % name)).write_bytes(optimise_png(data))
            image = Image.open(io.BytesIO(data))
            self.assertEqual(image.size, (WIDTH, HEIGHT), name)
            self.assertIsNone(image.convert("RGB").getcolors(64), "screenshot %s is nearly blank" % name)
