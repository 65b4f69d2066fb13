from odoo import models


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    def _prepare_mail_values_mailing_traces(self, mail_values_all):
        """Tie each mailing trace to the journey trace that sent it (context set by the journey)."""
        trace_values_all = super()._prepare_mail_values_mailing_traces(mail_values_all)
        by_res = self.env.context.get("marketing_workflow_traces")
        if by_res:
            for res_id, values in trace_values_all.items():
                if values and res_id in by_res:
                    values["marketing_workflow_trace_id"] = by_res[res_id]
        return trace_values_all
