from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo.addons.mass_mailing_sms.tests.common import MassSMSCase
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .template_common import TemplateCommon

T0 = datetime(2026, 3, 2, 10, 0, 0)  # a Monday, 10:00 UTC
CODES = ("welcome", "nurture", "resend", "birthday", "education", "winback", "hot_lead", "sms_shipped")


@tagged("post_install", "-at_install", "marketing_automation")
class TestTemplateGallery(TemplateCommon):
    def test_gallery_cards(self):
        """Each card says what the journey is for, shows its steps and its channels."""
        templates = self.env["marketing.workflow.template"].with_user(self.user_ma_user).search([])
        self.assertGreaterEqual(len(templates), len(CODES))
        for code in CODES:
            template = self.template(code).with_user(self.user_ma_user)
            self.assertTrue(template.purpose)
            self.assertGreater(template.step_count, 0)
            for step in template.step_ids:
                self.assertIn(step.name, template.diagram)
        self.assertEqual(self.template("welcome").channels, "Email")
        self.assertEqual(self.template("hot_lead").channels, "Email · Call")
        self.assertEqual(self.template("sms_shipped").channels, "SMS")
        self.assertIn("fa-phone", self.template("winback").channel_icons)

    def test_journeys_list_opens_the_gallery(self):
        action = self.env["marketing.workflow"].with_user(self.user_ma_user).action_open_gallery()
        self.assertEqual(action["res_model"], "marketing.workflow.template")
        self.assertTrue(action["view_mode"].startswith("kanban"))

    def test_every_template_gives_a_ready_draft(self):
        """Through the wizard, every template becomes a draft journey whose steps are complete and whose
        emails and SMS are written and linked to it; the test mode accepts it as it is."""
        for code in CODES:
            template = self.template(code)
            answers = {"coupon_code": "GIFT10"} if template.ask_coupon else {}
            workflow = self.from_template(code, **answers)
            self.assertEqual(workflow.state, "draft")
            self.assertEqual(workflow.model_name, template.model_name)
            self.assertEqual(len(workflow.step_ids), len(template.step_ids), code)
            workflow.step_ids._check_ready()
            messages = workflow.step_ids.filtered(lambda s: s.action_type in ("email", "sms")).mailing_id
            self.assertEqual(set(workflow.mailing_ids.ids), set(messages.ids))
            for mailing in messages:
                if mailing.mailing_type == "mail":
                    self.assertTrue(mailing.subject)
                    self.assertIn("o_mail_wrapper_td", mailing.body_arch, "opens in Odoo's email editor")
                    self.assertEqual(mailing.email_from, self.user_ma_user.email_formatted)
                else:
                    self.assertTrue(mailing.body_plaintext)
            # the tree has the template's shape
            for tstep in template.step_ids:
                step = self.step(workflow, tstep.name)
                self.assertEqual(step.parent_id.name or False, tstep.parent_id.name or False)
                self.assertEqual(step.condition, tstep.condition)

    def test_birth_date_imports(self):
        """The birth date the birthday template needs comes in with Odoo's import, like any contact field."""
        result = (
            self.env["res.partner"]
            .with_user(self.user_ma_user)
            .load(["name", "email", "marketing_birthdate"], [["Ida Imported", "ida@example.com", "1991-04-12"]])
        )
        self.assertFalse(result["messages"])
        partner = self.env["res.partner"].browse(result["ids"])
        self.assertEqual(partner.marketing_birthdate, date(1991, 4, 12))
        form = self.env.ref("base.view_partner_form")
        self.assertIn("marketing_birthdate", self.env["res.partner"].get_view(form.id)["arch"], "on the contact form")

    def test_wizard_answers(self):
        drip = self.from_template("nurture", coupon_code="SPRING<25>", delay_days=5, name="Spring drip")
        self.assertEqual(drip.name, "Spring drip")
        last = self.step(drip, "Week 7: a discount")
        self.assertIn("SPRING&lt;25&gt;", last.mailing_id.body_html, "the code is in the last email, escaped")
        self.assertNotIn("{coupon}", last.mailing_id.body_html)
        self.assertNotIn("SPRING", self.step(drip, "Week 6: an expert").mailing_id.body_html)
        self.assertEqual(self.step(drip, "Week 2: a customer story").wait_amount, 5, "the delay asked")
        self.assertEqual(drip.goal_domain, "[('stage_id.is_won', '=', True)]")
        with self.assertRaises(ValidationError):
            self.from_template("nurture", coupon_code="  ")
        with self.assertRaises(ValidationError):
            self.from_template("welcome", delay_days=0)
        with self.assertRaises(ValidationError):
            self.from_template("welcome", domain="[('no_such_field', '=', 1)")
        self.assertFalse(self.env["marketing.workflow"].search([("name", "=", "Nurture drip")]), "nothing half made")
        # the birthday greeting has its gift block only with a code
        plain = self.from_template("birthday")
        self.assertNotIn("gift", plain.mailing_ids.body_html)
        self.assertEqual(plain.trigger, "date")
        self.assertEqual(plain.date_field_id.name, "marketing_birthdate")
        self.assertTrue(plain.date_yearly)
        segment = self.env.ref("marketing_automation_ext.segment_contacts_hot")
        welcome = self.from_template("welcome", segment_id=segment)
        self.assertEqual(welcome.segment_id, segment)


@tagged("post_install", "-at_install", "marketing_automation")
class TestTemplateJourneys(TemplateCommon, MassSMSCase):
    """Each template, made through the wizard, run end to end in test mode through Odoo's mailing,
    tracking, SMS and CRM (only the SMTP and SMS gateway hops are intercepted)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.p_opener = Partner.create({"name": "Olga Opener", "email": "olga@example.com"})
        cls.p_dormant = Partner.create({"name": "Dan Dormant", "email": "dan@example.com"})
        cls.p_replier = Partner.create({"name": "Rita Replier", "email": "rita@example.com"})
        cls.p_clicker = Partner.create({"name": "Cleo Clicker", "email": "cleo@example.com"})

    def run_at(self, moment, times=1):
        with freeze_time(moment), self.mock_mail_gateway(mail_unlink_sent=False), self.mockSMSGateway():
            for _i in range(times):
                self.run_journeys()

    def test_welcome_series(self):
        workflow = self.from_template("welcome", coupon_code="HELLO5", delay_days=3)
        first, tips, second = (
            self.step(workflow, name) for name in ("Welcome email", "Opened: three tips", "Not opened: second chance")
        )
        later, replied = self.step(workflow, "Two weeks in"), self.step(workflow, "Replied: leave the series")
        people = self.p_opener | self.p_dormant | self.p_replier
        with freeze_time(T0):
            self.assertEqual(workflow.enrol(people.ids, test=True), 3, "test mode runs a draft journey")
        self.run_at(T0)
        self.assertEqual(self.sent_to(first), set(people.ids))
        with freeze_time(T0 + timedelta(days=1)), self.mock_mail_gateway(mail_unlink_sent=False):
            self.gateway_mail_trace_open(first.mailing_id, self.p_opener)
            self.gateway_mail_trace_reply(first.mailing_id, self.p_replier)
            self.run_journeys()
        self.assertEqual(self.participant_of(workflow, self.p_replier).state, "exited", "a reply ends the series")
        exit_trace = self.trace_of(self.participant_of(workflow, self.p_replier), replied)
        self.assertEqual(exit_trace.state, "processed", "the exit step counts as done")
        self.assertNotEqual(self.trace_of(self.participant_of(workflow, self.p_opener), replied).state, "processed")
        self.run_at(T0 + timedelta(days=3, hours=1))
        self.assertEqual(self.sent_to(tips), {self.p_opener.id, self.p_replier.id} - {self.p_replier.id})
        self.assertEqual(self.sent_to(second), {self.p_dormant.id}, "not opened within 3 days: the second chance")
        self.run_at(T0 + timedelta(days=14, hours=1))
        self.assertEqual(self.sent_to(later), {self.p_opener.id, self.p_dormant.id})
        mail = self._find_sent_mail_wemail(self.p_dormant.email_formatted)
        self.assertIn("HELLO5", mail["body"], "the welcome gift code")
        self.assertIn("see our plans", mail["body"], "a prospect: the plans block, not the customer one")
        self.run_at(T0 + timedelta(days=20))
        self.assertEqual(self.participant_of(workflow, self.p_opener).state, "completed")

    def test_nurture_drip(self):
        self.stage_won.ensure_one()
        workflow = self.from_template("nurture", coupon_code="DRIP15", delay_days=7)
        lead_read = self.env["crm.lead"].create({"name": "Reads everything", "email_from": "reader@example.com"})
        lead_won = self.env["crm.lead"].create(
            {"name": "Buys early", "email_from": "early@example.com", "contact_name": "Eli Early"}
        )
        with freeze_time(T0):
            workflow.enrol([lead_read.id, lead_won.id], test=True)
        for week in range(7):
            if week == 2:
                lead_won.stage_id = self.stage_won
            self.run_at(T0 + timedelta(days=7 * week, hours=1))
        weeks = workflow.step_ids.filtered(lambda s: s.action_type == "email").sorted("sequence")
        self.assertEqual(len(weeks), 7)
        for number, step in enumerate(weeks, 1):
            expected = {lead_read.id} | ({lead_won.id} if number <= 2 else set())
            self.assertEqual(self.sent_to(step), expected, step.name)
        self.assertEqual(self.participant_of(workflow, lead_won).state, "converted", "won: the goal")
        self.assertIn("DRIP15", weeks[-1].mailing_id.body_html)
        self.assertEqual(self.participant_of(workflow, lead_read).state, "completed")

    def test_resend_to_non_openers(self):
        workflow = self.from_template("resend", delay_days=2)
        first = self.step(workflow, "The email")
        resend = self.step(workflow, "Not opened: re-send, new subject")
        nudge = self.step(workflow, "Opened, not clicked: nudge")
        self.assertTrue(nudge.opened_only)
        people = self.p_opener | self.p_dormant | self.p_clicker
        with freeze_time(T0):
            workflow.enrol(people.ids, test=True)
        with self.mock_mail_gateway(mail_unlink_sent=False):
            with freeze_time(T0):
                self.run_journeys()
            with freeze_time(T0 + timedelta(hours=5)):
                self.gateway_mail_trace_open(first.mailing_id, self.p_opener)
                self.click(first.mailing_id, self.p_clicker, "read the news")
                self.run_journeys()
        self.run_at(T0 + timedelta(days=2, hours=1))
        self.assertEqual(self.sent_to(resend), {self.p_dormant.id})
        self.assertNotEqual(resend.mailing_id.subject, first.mailing_id.subject, "another subject")
        self.assertEqual(self.sent_to(nudge), {self.p_opener.id}, "openers who did not click, nobody else")
        dormant_nudge = self.trace_of(self.participant_of(workflow, self.p_dormant), nudge)
        self.assertEqual(dormant_nudge.state, "canceled")
        self.assertEqual(dormant_nudge.note, "Did not open the email")

    def test_birthday(self):
        """A real run: the date trigger enrols the contacts whose birthday is today, every year."""
        self.p_opener.marketing_birthdate = date(1990, 3, 2)
        self.p_dormant.marketing_birthdate = date(1985, 7, 14)
        audience = repr([("id", "in", (self.p_opener | self.p_dormant).ids)])
        workflow = self.from_template("birthday", coupon_code="BDAY", domain=audience)
        with freeze_time(T0):
            workflow.action_start()
        self.run_at(T0)
        greeting = self.step(workflow, "Birthday greeting")
        self.assertEqual(self.sent_to(greeting), {self.p_opener.id})
        self.assertIn("BDAY", greeting.mailing_id.body_html)
        self.run_at(T0 + timedelta(days=365))
        self.assertEqual(len(greeting.mailing_id.mailing_trace_ids), 2, "greeted again a year later")

    def test_customer_education_by_industry(self):
        industry = self.env["res.partner.industry"].create({"name": "Boat building"})
        company = self.env["res.partner"].create(
            {"name": "Shipyard Ltd", "is_company": True, "industry_id": industry.id}
        )
        builder = self.env["res.partner"].create(
            {"name": "Bea Builder", "email": "bea@example.com", "parent_id": company.id}
        )
        workflow = self.from_template("education", delay_days=7)
        with freeze_time(T0):
            workflow.enrol([builder.id, self.p_dormant.id], test=True)
        with freeze_time(T0), self.mock_mail_gateway(mail_unlink_sent=False):
            self.run_journeys()
            bea = self._find_sent_mail_wemail(builder.email_formatted)
            dan = self._find_sent_mail_wemail(self.p_dormant.email_formatted)
        self.assertIn("Working in Boat building?", bea["body"], "the block of her company's industry")
        self.assertNotIn("Working in", dan["body"], "no industry, no block")
        lesson1 = self.step(workflow, "Lesson 1: the basics")
        with freeze_time(T0 + timedelta(days=2)), self.mock_mail_gateway(mail_unlink_sent=False):
            self.gateway_mail_trace_reply(lesson1.mailing_id, builder)
            self.run_journeys()
        call = self.trace_of(self.participant_of(workflow, builder), self.step(workflow, "Replied: hand over to sales"))
        self.assertEqual(call.activity_id.summary, "Call: replied to the onboarding")
        for week in range(1, 4):
            self.run_at(T0 + timedelta(days=7 * week, hours=1))
        self.assertEqual(self.sent_to(self.step(workflow, "Lesson 4: reports")), {builder.id, self.p_dormant.id})

    def test_win_back(self):
        """Contacts who engaged once but not for 90 days (the lapsed segment) get the win-back; a click
        brings a call for the salesperson, silence a last try."""
        with freeze_time(T0 - timedelta(days=120)):
            for partner in (self.p_opener, self.p_dormant, self.p_clicker):
                self.record(partner, "email_open")
        with freeze_time(T0 - timedelta(days=5)):
            self.record(self.p_clicker, "email_open")  # still engaged: not lapsed
        self.env["marketing.event"]._score_pending_now()
        segment = self.env.ref("marketing_automation_ext.segment_contacts_lapsed")
        with freeze_time(T0):
            segment._refresh()
        members = segment.member_ids.filtered(lambda m: not m.date_exited).partner_id
        self.assertIn(self.p_opener, members)
        self.assertIn(self.p_dormant, members)
        self.assertNotIn(self.p_clicker, members)
        workflow = self.from_template("winback", coupon_code="BACK20", delay_days=7, user_id=self.user_salesman)
        self.assertEqual(workflow.segment_id, segment)
        workflow.domain = repr([("id", "in", (self.p_opener | self.p_dormant | self.p_clicker).ids)])
        with freeze_time(T0):
            workflow.action_start()
        miss = self.step(workflow, "We miss you")
        with self.mock_mail_gateway(mail_unlink_sent=False):
            with freeze_time(T0):
                self.run_journeys()
            self.assertEqual(self.sent_to(miss), {self.p_opener.id, self.p_dormant.id})
            with freeze_time(T0 + timedelta(days=1)):
                self.click(miss.mailing_id, self.p_opener, "see what is new")
                self.run_journeys()
        self.run_at(T0 + timedelta(days=7, hours=2))
        call = self.trace_of(self.participant_of(workflow, self.p_opener), self.step(workflow, "Clicked: call them"))
        self.assertEqual(call.activity_id.user_id, self.user_salesman)
        self.assertEqual(self.sent_to(self.step(workflow, "Not opened: last try")), {self.p_dormant.id})

    def test_hot_lead_hand_off(self):
        Lead = self.env["crm.lead"]
        hot = Lead.create({"name": "Hot one", "email_from": "hot@example.com"})
        cold = Lead.create({"name": "Cold one", "email_from": "cold@example.com"})
        warming = Lead.create({"name": "Warming one", "email_from": "warm@example.com"})
        self.env.cr.execute("UPDATE crm_lead SET marketing_grade = 'hot' WHERE id = %s", [hot.id])
        self.env.cr.execute("UPDATE crm_lead SET marketing_grade = 'cold' WHERE id IN %s", [(cold.id, warming.id)])
        Lead.invalidate_model(["marketing_grade"])
        workflow = self.from_template("hot_lead", user_id=self.user_salesman, delay_days=14)
        with freeze_time(T0):
            workflow.enrol([hot.id, cold.id, warming.id], test=True)
        self.run_at(T0)
        self.assertEqual(hot.user_id, self.user_salesman, "the hot lead is assigned")
        hot_call = self.trace_of(self.participant_of(workflow, hot), self.step(workflow, "Call the hot lead"))
        self.assertEqual(hot_call.activity_id.activity_type_id, self.env.ref("mail.mail_activity_data_call"))
        self.assertEqual(hot_call.activity_id.user_id, self.user_salesman)
        resources = self.step(workflow, "Not hot: useful resources")
        self.assertEqual(self.sent_to(resources), {cold.id, warming.id}, "cold leads: the lighter cadence")
        self.env.cr.execute("UPDATE crm_lead SET marketing_grade = 'warm' WHERE id = %s", [warming.id])
        Lead.invalidate_model(["marketing_grade"])
        self.run_at(T0 + timedelta(days=14, hours=1), times=2)
        self.assertEqual(warming.user_id, self.user_salesman)
        warm_call = self.trace_of(self.participant_of(workflow, warming), self.step(workflow, "Call the warm lead"))
        self.assertEqual(warm_call.activity_id.summary, "Call: warmed up")
        self.assertEqual(self.sent_to(self.step(workflow, "Still cold: light follow-up")), {cold.id})
        self.assertFalse(
            self.env["mail.activity"].search([("res_model", "=", "crm.lead"), ("res_id", "=", cold.id)]),
            "no call for a lead still cold",
        )

    def test_transactional_sms(self):
        self.p_opener.phone = "+32 456 00 77 88"
        workflow = self.from_template("sms_shipped")
        shipped = self.step(workflow, "Order shipped")
        shipped.mailing_id.sms_force_send = True
        with freeze_time(T0):
            workflow.action_start()
            self.assertEqual(workflow.enrol([self.p_opener.id, self.p_dormant.id]), 1, "only contacts who accept SMS")
        with freeze_time(T0), self.mockSMSGateway():
            self.run_journeys()
        self.assertSMSIapSent([self.p_opener.phone_sanitized], content="your order is on its way")
        with freeze_time(T0 + timedelta(minutes=30)):
            self.gateway_sms_click(shipped.mailing_id, self.p_opener)
        self.run_at(T0 + timedelta(hours=1), times=2)
        tracked = self.trace_of(self.participant_of(workflow, self.p_opener), self.step(workflow, "Tracked the parcel"))
        self.assertEqual(tracked.state, "processed")
