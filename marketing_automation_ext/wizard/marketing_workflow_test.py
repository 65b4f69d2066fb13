from odoo import fields, models
from odoo.exceptions import UserError


class MarketingWorkflowTest(models.TransientModel):
    """Run a journey for one chosen record, whatever the workflow's state, to watch it step by step."""

    _name = "marketing.workflow.test"
    _description = "Test a Marketing Workflow"

    workflow_id = fields.Many2one("marketing.workflow", required=True, ondelete="cascade")
    model_name = fields.Selection(related="workflow_id.model_name")
    partner_id = fields.Many2one("res.partner", string="Contact")
    lead_id = fields.Many2one("crm.lead", string="Lead")

    def action_launch(self):
        self.ensure_one()
        workflow = self.workflow_id
        record = self.partner_id if workflow.model_name == "res.partner" else self.lead_id
        if not record:
            raise UserError(self.env._("Choose the record to run %s for.", workflow.name))
        if not workflow.step_ids:
            raise UserError(self.env._("Add at least one step to %s before testing it.", workflow.name))
        workflow.step_ids._check_ready()
        workflow.enrol([record.id], test=True)
        participant = self.env["marketing.workflow.participant"].search(
            [("workflow_id", "=", workflow.id), ("res_id", "=", record.id), ("is_test", "=", True)], limit=1
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Test run"),
            "res_model": "marketing.workflow.participant",
            "res_id": participant.id,
            "view_mode": "form",
            "target": "current",
        }
