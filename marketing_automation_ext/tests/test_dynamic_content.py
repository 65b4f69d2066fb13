from odoo.addons.mass_mailing_sms.tests.common import MassSMSCase
from odoo.tests import Form, tagged

from .template_common import TemplateCommon

CODES = ("welcome", "nurture", "resend", "birthday", "education", "winback", "hot_lead", "sms_shipped")
HOT_BLOCK = "<p t-if=\"marketing.grade(object) == 'hot'\">Your advisor will call you today.</p>"


@tagged("post_install", "-at_install", "marketing_automation")
class TestDynamicContent(TemplateCommon, MassSMSCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.industry = cls.env["res.partner.industry"].create({"name": "Beekeeping"})
        cls.company = Partner.create({"name": "Hive Co", "is_company": True, "industry_id": cls.industry.id})
        cls.hot = Partner.create(
            {"name": "Hana Hot", "email": "hana@example.com", "phone": "+32 456 10 20 30", "parent_id": cls.company.id}
        )
        cls.cold = Partner.create({"name": "Colin Cold", "email": "colin@example.com", "phone": "+32 456 10 20 31"})
        cls.env.cr.execute("UPDATE res_partner SET marketing_grade = 'hot' WHERE id = %s", [cls.hot.id])
        Partner.invalidate_model(["marketing_grade"])
        cls.vip = cls.env["marketing.segment"].create(
            {"name": "VIP customers", "model_name": "res.partner", "segment_type": "static"}
        )
        cls.vip._add_members(cls.hot)
        # a contact with every optional field empty: no name (an address), no company, no country
        cls.blank = Partner.create({"type": "other", "email": "blank@example.com"})
        cls.blank_lead = cls.env["crm.lead"].create({"name": "Blank", "email_from": "blank.lead@example.com"})

    def test_helper(self):
        helper = self.env["mail.render.mixin"]._render_eval_context()["marketing"]
        self.assertEqual(helper.grade(self.hot), "hot")
        self.assertEqual(helper.grade(self.cold), "cold")
        self.assertTrue(helper.in_segment(self.hot, "VIP customers"))
        self.assertTrue(helper.in_segment(self.hot, self.vip.id))
        self.assertFalse(helper.in_segment(self.cold, "VIP customers"))
        self.assertFalse(helper.in_segment(self.hot, "No such segment"))
        self.assertEqual(helper.industry(self.hot), "Beekeeping", "the industry of her company")
        self.assertEqual(helper.industry(self.blank), "")
        self.assertFalse(helper.is_customer(self.cold))
        self.env["crm.lead"].create(
            {"name": "Won", "partner_id": self.cold.id, "stage_id": self.stage_won.id, "type": "opportunity"}
        )
        self.assertTrue(helper.is_customer(self.cold), "a won deal makes a customer")
        self.assertTrue(helper.is_prospect(self.blank))
        lead = self.env["crm.lead"].create({"name": "Hana's deal", "partner_id": self.hot.id})
        self.assertEqual(helper.industry(lead), "Beekeeping", "a lead answers for its contact")
        self.assertTrue(helper.in_segment(lead, "VIP customers"))
        for empty in (self.env["res.partner"], self.blank):
            self.assertFalse(helper.in_segment(empty, "VIP customers"))

    def test_blocks_reach_only_matching_contacts(self):
        """Through a journey: the email's block and the SMS sentence go to the matching contact only."""
        workflow = self.Workflow.create({"name": "Dynamic", "trigger": "manual", "quiet_hours": False})
        body = "<p>News for everyone.</p>" + HOT_BLOCK
        email = self.Step.create(
            {
                "name": "Email",
                "workflow_id": workflow.id,
                "action_type": "email",
                "mailing_id": self._mailing(workflow, "News", body).id,
            }
        )
        sms_text = (
            "Sale starts Monday."
            "{{ ' VIP: early access today.' if marketing.in_segment(object, 'VIP customers') else '' }}"
        )
        sms = self.Step.create(
            {
                "name": "SMS",
                "workflow_id": workflow.id,
                "action_type": "sms",
                "mailing_id": self._mailing(workflow, "Sale", sms_text, mailing_type="sms").id,
            }
        )
        sms.mailing_id.write({"sms_allow_unsubscribe": False, "sms_force_send": True})
        workflow.enrol((self.hot | self.cold).ids, test=True)
        with self.mock_mail_gateway(mail_unlink_sent=False), self.mockSMSGateway():
            self.run_journeys()
            hana = self._find_sent_mail_wemail(self.hot.email_formatted)
            colin = self._find_sent_mail_wemail(self.cold.email_formatted)
            self.assertSMSIapSent([self.hot.phone_sanitized], content="Sale starts Monday. VIP: early access today.")
            self.assertSMSIapSent([self.cold.phone_sanitized], content="Sale starts Monday.")
        self.assertIn("Your advisor will call you today.", hana["body"])
        self.assertNotIn("Your advisor", colin["body"])
        self.assertIn("News for everyone.", colin["body"])
        texts = {sms["number"]: sms["body"] for sms in self._sms}
        self.assertNotIn("VIP", texts[self.cold.phone_sanitized], "not a VIP: no VIP sentence")
        self.assertEqual(email.count_sent, 2)

    def test_preview_as(self):
        """Preview as…: the message exactly as the chosen contact gets it."""
        workflow = self.Workflow.create({"name": "Preview", "trigger": "manual"})
        mailing = self._mailing(
            workflow, "Hello {{ object.name or '' }}", '<p>Hi <t t-out="object.name"/></p>' + HOT_BLOCK
        )
        action = mailing.with_user(self.user_ma_user).action_marketing_preview_as()
        self.assertEqual(action["res_model"], "marketing.mailing.preview")
        Preview = self.env["marketing.mailing.preview"].with_user(self.user_ma_user).with_context(**action["context"])
        form = Form(Preview)
        form.partner_id = self.hot
        self.assertEqual(form.subject, "Hello Hana Hot")
        self.assertIn("Hi Hana Hot", form.body)
        self.assertIn("Your advisor will call you today.", form.body)
        form.partner_id = self.cold
        self.assertNotIn("Your advisor", form.body)
        self.assertFalse(form.error)
        sms = self._mailing(
            workflow, "S", "{{ 'Hot!' if marketing.grade(object) == 'hot' else 'Hello.' }}", mailing_type="sms"
        )
        form = Form(Preview.with_context(default_mailing_id=sms.id))
        form.partner_id = self.hot
        self.assertEqual(form.sms_text, "Hot!")
        form.partner_id = self.cold
        self.assertEqual(form.sms_text, "Hello.")
        broken = self._mailing(workflow, "Broken", '<p t-out="object.no_such_field"/>')
        form = Form(Preview.with_context(default_mailing_id=broken.id))
        form.partner_id = self.cold
        self.assertTrue(form.error, "a template error is shown, not raised")

    def test_marketer_may_write_dynamic_content(self):
        """With Odoo's default restriction on template rendering, a marketer (not an admin) still renders
        and sends the conditional blocks: the addon's user group makes them a template editor."""
        self.env["ir.config_parameter"].set_param("mail.restrict.template.rendering", True)
        self.assertTrue(self.user_ma_user.has_group("mail.group_mail_template_editor"))
        workflow = self.Workflow.with_user(self.user_ma_user).create({"name": "Marketer's", "trigger": "manual"})
        mailing = self._mailing(workflow, "Hi", HOT_BLOCK).with_user(self.user_ma_user)
        self.assertIn("Your advisor will call you today.", str(mailing._marketing_render_for(self.hot)["body"]))
        sms = self._mailing(workflow, "S", "{{ 'Hot!' if marketing.grade(object) == 'hot' else '' }}", "sms")
        self.assertEqual(sms.with_user(self.user_ma_user)._marketing_render_for(self.hot)["sms"], "Hot!")

    def test_every_template_renders_for_an_empty_contact(self):
        """No name, no company, no country: every template message renders, without 'False' or a placeholder."""
        for code in CODES:
            template = self.template(code)
            answers = {"coupon_code": "GIFT10"} if template.ask_coupon else {}
            workflow = self.from_template(code, **answers)
            record = self.blank if workflow.model_name == "res.partner" else self.blank_lead
            for mailing in workflow.mailing_ids:
                rendered = mailing._marketing_render_for(record)
                texts = [rendered.get("subject") or "", str(rendered.get("body") or ""), rendered.get("sms") or ""]
                for text in texts:
                    for wrong in ("False", "None", "{coupon}", "t-if", "t-out"):
                        self.assertNotIn(wrong, text, "%s: %s" % (code, mailing.name))
                if mailing.mailing_type == "mail":
                    self.assertIn("Hello,", rendered["body"], "%s: a greeting without a name" % mailing.name)
                else:
                    self.assertTrue(rendered["sms"])
