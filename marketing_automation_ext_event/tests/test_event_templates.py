from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import EVENT_BEGIN, EVENT_END, T0, EventJourneyCommon


@tagged("post_install", "-at_install", "marketing_automation")
class TestEventTemplates(EventJourneyCommon):
    """The event templates, made through the wizard by a marketer and run end to end through Odoo's
    mailing and tracking (only the SMTP hop is intercepted)."""

    def run_at(self, moment):
        with freeze_time(moment), self.mock_mail_gateway(mail_unlink_sent=False):
            self.run_journeys()

    def test_gallery_and_wizard(self):
        """The event templates are cards of the same gallery; the wizard asks for the event and binds
        the journey, its filters and its messages to it."""
        gallery = self.env["marketing.workflow.template"].with_user(self.user_ma_user).search([])
        for code in ("invite", "reminder", "followup"):
            template = self.template(code)
            self.assertIn(template, gallery)
            self.assertEqual(template.channels, "Email")
            for step in template.step_ids:
                self.assertIn(step.name, template.diagram)
        workflow = self.from_template("reminder", event_id=self.event, delay_days=3)
        self.assertEqual(workflow.state, "draft")
        self.assertEqual(workflow.event_id, self.event)
        self.assertEqual(
            (workflow.trigger, workflow.event_anchor, workflow.date_offset_days), ("event_date", "begin", -3)
        )
        self.assertIn(str(self.event.id), workflow.domain)
        workflow.step_ids._check_ready()
        self.assertEqual(workflow.mailing_ids.subject, "See you soon at Spring Meetup")
        self.assertIn("<b>Spring Meetup</b>", workflow.mailing_ids.body_html)
        followup = self.from_template("followup", event_id=self.event)
        self.assertEqual((followup.event_anchor, followup.date_offset_days), ("end", 1))
        branches = followup.step_ids.mapped("branch_domain")
        attended = "[('marketing_registration_ids', 'any', [('event_id', '=', %s), ('state', '=', 'done')])]"
        self.assertEqual(set(branches), {attended % self.event.id})
        wizard = (
            self.env["marketing.workflow.template.use"]
            .with_user(self.user_ma_user)
            .create({"template_id": self.template("invite").id})
        )
        with self.assertRaises(ValidationError):
            wizard.action_create()
        with self.assertRaises(ValidationError):
            self.env["marketing.workflow"].create(
                {"name": "No event", "trigger": "event_date", "model_name": "res.partner"}
            )

    def test_invitation(self):
        """The segment's contacts not registered yet are invited; non-openers get the reminder;
        registering is the goal."""
        Partner = self.env["res.partner"]
        guests = {
            name: Partner.create({"name": name.capitalize(), "email": "%s@guests.example.com" % name})
            for name in ("opener", "registers", "silent", "registered")
        }
        self.register(guests["registered"])
        segment = self.env["marketing.segment"].create(
            {"name": "Guests", "model_name": "res.partner", "domain": "[('email', 'ilike', '@guests.example.com')]"}
        )
        segment._refresh()
        workflow = self.from_template("invite", event_id=self.event, segment_id=segment, delay_days=3)
        invitation = self.step(workflow, "Invitation")
        reminder = self.step(workflow, "Not opened: reminder")
        self.assertEqual(invitation.mailing_id.subject, "You are invited: Spring Meetup")
        with freeze_time(T0):
            workflow.action_start()
        self.run_at(T0)
        invited = {guests[name].id for name in ("opener", "registers", "silent")}
        self.assertEqual(self.sent_to(invitation), invited, "the segment, less who is registered already")
        with freeze_time(T0 + timedelta(days=1)), self.mock_mail_gateway(mail_unlink_sent=False):
            self.gateway_mail_trace_open(invitation.mailing_id, guests["opener"])
            self.register(guests["registers"])
            self.run_journeys()
        self.assertEqual(self.participant_of(workflow, guests["registers"]).state, "converted")
        self.run_at(T0 + timedelta(days=3, hours=1))
        self.assertEqual(self.sent_to(reminder), {guests["silent"].id}, "only who neither opened nor registered")
        self.assertEqual(workflow.converted_count, 1)
        latecomer = Partner.create({"name": "Latecomer", "email": "late@guests.example.com"})
        segment._refresh()
        self.run_at(EVENT_BEGIN + timedelta(hours=1))
        self.assertFalse(self.participant_of(workflow, latecomer), "no invitation once the event started")
        self.run_at(EVENT_BEGIN - timedelta(hours=1))
        self.assertTrue(self.participant_of(workflow, latecomer), "invited while it has not")

    def test_reminder(self):
        """Two days before the start, the registrants (not the cancelled, not another event's) get the
        reminder; who registers later still does, until the event starts."""
        workflow = self.from_template("reminder", event_id=self.event, delay_days=2)
        reminder = self.step(workflow, "Reminder")
        with freeze_time(T0):
            workflow.action_start()
        self.run_at(T0)
        self.assertFalse(workflow.participant_ids, "nobody before the reminder's day")
        self.run_at(EVENT_BEGIN - timedelta(days=2, minutes=-5))
        self.assertEqual(self.sent_to(reminder), {self.p_attendee.id, self.p_no_show.id})
        late = self.env["res.partner"].create({"name": "Lea Late", "email": "lea@example.com"})
        with freeze_time(EVENT_BEGIN - timedelta(days=1)):
            self.register(late)
        self.run_at(EVENT_BEGIN - timedelta(hours=20))
        self.assertEqual(self.sent_to(reminder), {self.p_attendee.id, self.p_no_show.id, late.id})
        self.assertEqual(len(reminder.mailing_id.mailing_trace_ids), 3, "once each")
        mail = self._find_sent_mail_wemail(late.email_formatted)
        self.assertIn("Spring Meetup", mail["subject"])
        walk_in = self.env["res.partner"].create({"name": "Walt Walkin", "email": "walt@example.com"})
        self.register(walk_in)
        self.run_at(EVENT_BEGIN + timedelta(hours=1))
        self.assertNotIn(walk_in.id, self.sent_to(reminder), "no reminder once the event started")

    def test_thank_you_and_no_shows(self):
        """The day after the event, attendees get the thank-you, registrants who did not come the follow-up."""
        workflow = self.from_template("followup", event_id=self.event)
        thanks = self.step(workflow, "Attended: thank you")
        follow_up = self.step(workflow, "Did not come: follow-up")
        with freeze_time(T0):
            workflow.action_start()
        self.run_at(EVENT_END + timedelta(hours=2))
        self.assertFalse(workflow.participant_ids, "not before the day after")
        self.reg_attendee.state = "done"
        self.run_at(EVENT_END + timedelta(days=1, hours=1))
        self.assertEqual(self.sent_to(thanks), {self.p_attendee.id})
        self.assertEqual(self.sent_to(follow_up), {self.p_no_show.id}, "registered, not attended: a no-show")
        no_show_thanks = self.trace_of(self.participant_of(workflow, self.p_no_show), thanks)
        self.assertEqual(no_show_thanks.state, "canceled")
        mail = self._find_sent_mail_wemail(self.p_no_show.email_formatted)
        self.assertIn("Watch the recording", mail["body"])
        self.assertIn("We missed you at Spring Meetup", mail["subject"])

    def test_test_mode(self):
        """A draft made from the template runs in test mode at once, whatever the event's date."""
        self.reg_attendee.state = "done"
        workflow = self.from_template("followup", event_id=self.event, name="Try the follow-up")
        with freeze_time(T0):
            self.assertEqual(workflow.enrol((self.p_attendee | self.p_no_show).ids, test=True), 2)
        self.run_at(T0)
        self.assertEqual(self.sent_to(self.step(workflow, "Attended: thank you")), {self.p_attendee.id})
        self.assertEqual(self.sent_to(self.step(workflow, "Did not come: follow-up")), {self.p_no_show.id})
        self.assertEqual(workflow.state, "draft")

    def test_messages_render_for_an_empty_contact(self):
        """No name, no company: every event message renders with the event's name and a plain greeting."""
        blank = self.env["res.partner"].create({"type": "other", "email": "blank@example.com"})
        for code in ("invite", "reminder", "followup"):
            workflow = self.from_template(code, event_id=self.event)
            for mailing in workflow.mailing_ids:
                rendered = mailing._marketing_render_for(blank)
                body = str(rendered["body"])
                for wrong in ("False", "None", "{event}", "t-if", "t-out"):
                    self.assertNotIn(wrong, rendered["subject"] + body, "%s: %s" % (code, mailing.name))
                self.assertIn("Hello,", body)
                self.assertIn("Spring Meetup", rendered["subject"] + body)
