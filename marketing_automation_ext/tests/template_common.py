"""Journeys made from the gallery's templates, the way a marketer makes them (the wizard, as a marketer)."""

import re

import werkzeug.urls

from odoo.tests import Form
from odoo.tools import mail as mail_tools

from .workflow_common import WorkflowCommon


class TemplateCommon(WorkflowCommon):
    def template(self, code):
        return self.env.ref("marketing_automation_ext.workflow_template_%s" % code)

    def from_template(self, code, user=None, **answers):
        """A draft journey from template ``code``, answering the wizard with ``answers``."""
        user = user or self.user_ma_user
        Wizard = self.env["marketing.workflow.template.use"].with_user(user)
        form = Form(Wizard.with_context(default_template_id=self.template(code).id))
        for name, value in answers.items():
            setattr(form, name, value)
        action = form.save().action_create()
        workflow = self.env["marketing.workflow"].browse(action["res_id"])
        # tests run at fixed UTC hours: the contacts' nights are not what is tested here
        workflow.quiet_hours = False
        return workflow

    def step(self, workflow, name):
        step = workflow.step_ids.filtered(lambda s: s.name == name)
        self.assertEqual(len(step), 1, "one step named %r" % name)
        return step

    def participant_of(self, workflow, record):
        return self.env["marketing.workflow.participant"].search(
            [("workflow_id", "=", workflow.id), ("res_id", "=", record.id)], limit=1
        )

    def sent_to(self, step):
        """The records the step's message went to."""
        return set(step.mailing_id.mailing_trace_ids.mapped("res_id"))

    def click(self, mailing, record, label):
        """A click on the link ``label`` of the email ``mailing`` sent to ``record``, through Odoo's link
        tracker (as ``gateway_mail_trace_click``, for recipients whose address carries their name)."""
        trace = mailing.mailing_trace_ids.filtered(lambda t: t.model == record._name and t.res_id == record.id)
        self.assertTrue(trace)
        sent = [mail for mail in self._mails if any(trace.email in to for to in mail["email_to"])]
        self.assertTrue(sent, "the email was sent")
        for _href, url, _dummy, text in re.findall(mail_tools.HTML_TAG_URL_REGEX, sent[-1]["body"]):
            if text == label and "/r/" in url:
                code = werkzeug.urls.url_parse(url).path.split("/")[2]
                self.env["link.tracker.click"].sudo().add_click(
                    code, ip="100.200.30.40", country_code="BE", mailing_trace_id=trace.id
                )
                return trace
        self.fail("no tracked link %r in the email" % label)
