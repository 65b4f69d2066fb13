from odoo import api, fields, models


class MailingMailing(models.Model):
    _inherit = "mailing.mailing"

    marketing_workflow_id = fields.Many2one(
        "marketing.workflow",
        string="Workflow",
        ondelete="set null",
        index="btree_not_null",
        help="Sent by this journey's steps: to each participant when their step is due.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        # a journey's message is about the journey's records
        for vals in vals_list:
            if vals.get("marketing_workflow_id") and not vals.get("mailing_model_id"):
                workflow = self.env["marketing.workflow"].browse(vals["marketing_workflow_id"])
                vals["mailing_model_id"] = self.env["ir.model"]._get_id(workflow.model_name)
        return super().create(vals_list)

    def _get_seen_list(self):
        # a journey's message goes to each participant once per step, which the traces guarantee;
        # Odoo's "already mailed" list would block re-entry and test runs
        if self.marketing_workflow_id:
            return set()
        return super()._get_seen_list()

    def _get_seen_list_sms(self):
        if self.marketing_workflow_id:
            return [], []
        return super()._get_seen_list_sms()

    def _marketing_send(self, traces):
        """Send this message to the participants of ``traces`` through Odoo's mass mailing composer.

        Each ``mailing.trace`` is tied to its journey trace (at most one per
        journey trace, enforced by a unique index). Nothing is committed here:
        the journey batch commits or rolls back as a whole.
        """
        self.ensure_one()
        by_res = {trace.participant_id.res_id: trace.id for trace in traces}
        res_ids = list(by_res)
        mailing = self.with_context(marketing_workflow_traces=by_res)
        if self.mailing_type == "mail":
            context_user = self.user_id or self.write_uid or self.env.user
            mailing = mailing.with_context(**self.env["res.users"].with_user(context_user).context_get())
            composer = (
                self.env["mail.compose.message"]
                .with_context(
                    active_ids=res_ids,
                    default_composition_mode="mass_mail",
                    marketing_workflow_traces=by_res,
                    **mailing._get_mass_mailing_context(),
                )
                .create(
                    {
                        "auto_delete": not self.keep_archives,
                        "auto_delete_keep_log": self.reply_to_mode == "update",
                        "author_id": self.env.user.partner_id.id,
                        "attachment_ids": [(4, attachment.id) for attachment in self.attachment_ids],
                        "body": self._prepend_preview(self.body_html or "", self.preview),
                        "composition_mode": "mass_mail",
                        "email_from": self.email_from,
                        "mail_server_id": self.mail_server_id.id,
                        "mass_mailing_id": self.id,
                        "model": self.mailing_model_real,
                        "record_name": False,
                        "reply_to_force_new": self.reply_to_mode == "new",
                        "reply_to": self.reply_to if self.reply_to_mode == "new" else False,
                        "subject": self.subject,
                        "template_id": False,
                    }
                )
            )
            composer._action_send_mail(auto_commit=False)
        else:
            mailing.action_send_sms(res_ids)
        if self.state != "done":
            self.write({"state": "done", "sent_date": fields.Datetime.now()})
        self.env.flush_all()
        # what Odoo's own checks stopped (invalid address, opt-out list, duplicate) is rejected with its reason
        self.env.cr.execute(
            """UPDATE marketing_workflow_trace t
                  SET state = 'rejected', note = 'Not sent: ' || COALESCE(mt.failure_type, mt.trace_status)
                 FROM mailing_trace mt
                WHERE mt.marketing_workflow_trace_id = t.id AND t.id = ANY(%s)
                      AND mt.trace_status IN ('cancel', 'error')""",
            [traces.ids],
        )
        self.env.cr.execute(
            """UPDATE marketing_workflow_trace t SET state = 'rejected', note = 'Not sent by the mailing'
                WHERE t.id = ANY(%s) AND t.state = 'scheduled'
                      AND NOT EXISTS (SELECT 1 FROM mailing_trace mt WHERE mt.marketing_workflow_trace_id = t.id)""",
            [traces.ids],
        )
        traces.invalidate_recordset(["state", "note"])
