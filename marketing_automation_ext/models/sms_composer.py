from odoo import models


class SmsComposer(models.TransientModel):
    _inherit = "sms.composer"

    def _prepare_mass_sms_trace_values(self, record, sms_values):
        """Tie each SMS trace to the journey trace that sent it (context set by the journey)."""
        values = super()._prepare_mass_sms_trace_values(record, sms_values)
        by_res = self.env.context.get("marketing_workflow_traces")
        if by_res and record.id in by_res:
            values["marketing_workflow_trace_id"] = by_res[record.id]
        return values
