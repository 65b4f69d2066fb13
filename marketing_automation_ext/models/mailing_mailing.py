from odoo import api, fields, models
from odoo.exceptions import UserError


class MailingMailing(models.Model):
    _inherit = "mailing.mailing"

    marketing_workflow_id = fields.Many2one(
        "marketing.workflow",
        string="Workflow",
        ondelete="set null",
        index="btree_not_null",
        help="Sent by this journey's steps: to each participant when their step is due.",
    )
    marketing_cost = fields.Monetary(
        "Cost",
        currency_field="marketing_currency_id",
        help="What this mailing cost (design, list, SMS credits): set against the revenue attributed to it.",
    )
    marketing_currency_id = fields.Many2one(
        "res.currency", compute="_compute_marketing_currency_id", string="Cost Currency"
    )

    def _compute_marketing_currency_id(self):
        self.marketing_currency_id = self.env.company.currency_id

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

    def _send_sms_get_composer_values(self, res_ids):
        values = super()._send_sms_get_composer_values(res_ids)
        if self.env.context.get("marketing_workflow_queue_sms"):
            values["mass_force_send"] = False  # through the SMS queue, which commits after each batch
        return values

    def _marketing_send(self, traces):
        """Queue this message for the participants of ``traces`` through Odoo's mass mailing composer.

        The journey never talks to the mail server or SMS gateway itself: the
        messages go to Odoo's mail / SMS queue, which commits after each one, so a
        journey batch that rolls back cannot have sent anything. The traces wait in
        'sending' until mailing.trace reports the outcome (delivered, or failed:
        retried or final, see ``marketing.workflow.trace._apply_delivery_outcomes``).
        Each ``mailing.trace`` is tied to its journey trace (at most one per journey
        trace, enforced by a unique index): a retry replaces the failed message.
        """
        self.ensure_one()
        now = self.env.context.get("marketing_workflow_now") or fields.Datetime.now()
        traces._marketing_drop_failed_messages()
        self.env.cr.execute(
            """UPDATE marketing_workflow_trace
                  SET state = 'sending', date_processed = %s, attempts = COALESCE(attempts, 0) + 1
                WHERE id = ANY(%s)""",
            [now, traces.ids],
        )
        traces.invalidate_recordset(["state", "date_processed", "attempts"])
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
                        "force_send": False,
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
            self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()
        else:
            mailing.with_context(marketing_workflow_queue_sms=True).action_send_sms(res_ids)
            self.env.ref("sms.ir_cron_sms_scheduler_action")._trigger()
        if self.state != "done":
            self.write({"state": "done", "sent_date": fields.Datetime.now()})
        self.env.flush_all()
        # what Odoo's own checks stopped (invalid address, opt-out list, duplicate) is rejected with its reason
        self.env.cr.execute(
            """UPDATE marketing_workflow_trace t
                  SET state = 'rejected', note = 'Not sent: ' || COALESCE(mt.failure_type, mt.trace_status)
                 FROM mailing_trace mt
                WHERE mt.marketing_workflow_trace_id = t.id AND t.id = ANY(%s) AND t.state = 'sending'
                      AND mt.trace_status = 'cancel'""",
            [traces.ids],
        )
        self.env.cr.execute(
            """UPDATE marketing_workflow_trace t SET state = 'rejected', note = 'Not sent by the mailing'
                WHERE t.id = ANY(%s) AND t.state = 'sending'
                      AND NOT EXISTS (SELECT 1 FROM mailing_trace mt WHERE mt.marketing_workflow_trace_id = t.id)""",
            [traces.ids],
        )
        traces.invalidate_recordset(["state", "note"])

    # ------------------------------------------------------------------
    # Preview as… (dynamic content)
    # ------------------------------------------------------------------

    def _marketing_render_for(self, record):
        """{subject, body | sms}: this message rendered for ``record`` as the journey sends it
        (the same engines and evaluation context as the mass mailing composer)."""
        self.ensure_one()
        if record._name != self.mailing_model_real:
            raise UserError(
                self.env._("This message is written for %s records.", self.env[self.mailing_model_real]._description)
            )
        Render = self.env["mail.render.mixin"]
        lang = record.lang if "lang" in record._fields and record.lang else self.env.lang
        Render = Render.with_context(lang=lang)
        if self.mailing_type == "sms":
            sms = Render._render_template(self.body_plaintext or "", record._name, record.ids, engine="inline_template")
            return {"sms": sms[record.id]}
        subject = Render._render_template(self.subject or "", record._name, record.ids, engine="inline_template")
        body = Render._render_template(
            self._prepend_preview(self.body_html or "", self.preview),
            record._name,
            record.ids,
            engine="qweb",
            options={"post_process": True},
        )
        return {"subject": subject[record.id], "body": body[record.id]}

    def action_marketing_preview_as(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Preview as…"),
            "res_model": "marketing.mailing.preview",
            "view_mode": "form",
            "target": "new",
            "context": {"default_mailing_id": self.id},
        }
