from odoo.tests import HttpCase, tagged


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
        participants = cls.env["marketing.workflow.participant"].create(
            [
                {
                    "workflow_id": workflow.id,
                    "res_model": "res.partner",
                    "res_id": partner.id,
                    "partner_id": partner.id,
                    "unique_key": "res.partner:%s" % partner.id,
                    "state": "running",
                }
                for partner in partners
            ]
        )
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
