"""Journeys that use the learned recommendations: a message at each contact's best time, a best-channel step."""

from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.addons.mass_mailing_sms.tests.common import MassSMSCase
from odoo.exceptions import UserError, ValidationError
from odoo.tests import BaseCase, tagged

from ..lib.send_time import next_slot_time
from .workflow_common import WorkflowCommon

T0 = datetime(2026, 3, 2, 10, 0, 0)  # a Monday, 10:00 UTC (19:00 in Tokyo)
THURSDAY_23_TOKYO = datetime(2026, 3, 5, 14, 0)  # Thursday 23:00 in Tokyo, in UTC
WEEK = timedelta(days=7)


@tagged("marketing_automation")
class TestNextSlotTime(BaseCase):
    """The pure helper: the next local weekday and hour, in UTC, DST included."""

    def test_next_thursday_23_in_tokyo(self):
        self.assertEqual(next_slot_time(T0, 3, 23, "Asia/Tokyo", WEEK), THURSDAY_23_TOKYO)

    def test_now_itself_and_just_after(self):
        self.assertEqual(next_slot_time(THURSDAY_23_TOKYO, 3, 23, "Asia/Tokyo", WEEK), THURSDAY_23_TOKYO)
        self.assertEqual(
            next_slot_time(THURSDAY_23_TOKYO + timedelta(seconds=1), 3, 23, "Asia/Tokyo", WEEK),
            THURSDAY_23_TOKYO + WEEK,
        )

    def test_beyond_the_horizon(self):
        self.assertIsNone(next_slot_time(T0, 3, 23, "Asia/Tokyo", timedelta(days=3)))
        self.assertEqual(next_slot_time(T0, 3, 23, "Asia/Tokyo", timedelta(days=3, hours=4)), THURSDAY_23_TOKYO)
        self.assertIsNone(next_slot_time(T0, 3, 23, "Asia/Tokyo", timedelta(hours=-1)))

    def test_local_weekday_differs_from_utc(self):
        # Monday 01:00 in Tokyo is Sunday 16:00 UTC
        self.assertEqual(next_slot_time(T0, 0, 1, "Asia/Tokyo", WEEK), datetime(2026, 3, 8, 16, 0))
        # Sunday 20:00 in New York (EDT from 8 March 2026) is Monday 00:00 UTC
        self.assertEqual(next_slot_time(T0, 6, 20, "America/New_York", WEEK), datetime(2026, 3, 9, 0, 0))

    def test_daylight_saving_changes(self):
        # Brussels: 29 March 2026 02:00 → 03:00; the skipped hour starts when the clocks jump
        self.assertEqual(
            next_slot_time(datetime(2026, 3, 26, 10), 6, 2, "Europe/Brussels", WEEK), datetime(2026, 3, 29, 1, 0)
        )
        # the Sunday after: summer time, 09:00 is 07:00 UTC (it was 08:00 UTC the week before)
        self.assertEqual(
            next_slot_time(datetime(2026, 3, 23, 10), 6, 9, "Europe/Brussels", WEEK), datetime(2026, 3, 29, 7, 0)
        )
        # 25 October 2026 03:00 → 02:00: the hour that happens twice is its first occurrence
        self.assertEqual(
            next_slot_time(datetime(2026, 10, 20, 10), 6, 2, "Europe/Brussels", WEEK), datetime(2026, 10, 25, 0, 0)
        )

    def test_unknown_slot_or_zone(self):
        self.assertIsNone(next_slot_time(T0, -1, 10, "UTC", WEEK))
        self.assertIsNone(next_slot_time(T0, 3, None, "UTC", WEEK))
        self.assertEqual(next_slot_time(T0, 0, 12, "Not/AZone", WEEK), datetime(2026, 3, 2, 12, 0))
        self.assertEqual(next_slot_time(T0, 0, 12, False, WEEK), datetime(2026, 3, 2, 12, 0))


@tagged("post_install", "-at_install", "marketing_automation")
class TestBestTimeJourney(WorkflowCommon):
    """An email step sent at each contact's best time within 5 days."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.tokyo = Partner.create({"name": "Taro Tokyo", "email": "taro@example.com", "tz": "Asia/Tokyo"})
        cls.unknown = Partner.create({"name": "Una Unknown", "email": "una@example.com", "tz": "Europe/Brussels"})
        cls.late = Partner.create({"name": "Lars Later", "email": "lars@example.com", "tz": "Europe/London"})
        cls.tokyo.sudo().write(
            {
                "marketing_best_weekday": 3,
                "marketing_best_hour": 23,
                "marketing_best_confidence": 0.8,
                "marketing_best_tz": "Asia/Tokyo",
            }
        )
        cls.unknown.sudo().write({"marketing_best_weekday": -1, "marketing_best_confidence": 0.0})
        # Monday 09:00 in London: an hour ago, next in 6 days 23 hours, beyond the 5 days
        cls.late.sudo().write(
            {
                "marketing_best_weekday": 0,
                "marketing_best_hour": 9,
                "marketing_best_confidence": 0.6,
                "marketing_best_tz": "Europe/London",
            }
        )
        cls.workflow = cls.Workflow.create({"name": "Best time", "trigger": "manual", "quiet_hours": False})
        cls.step = cls.Step.create(
            {
                "name": "News at the best time",
                "workflow_id": cls.workflow.id,
                "action_type": "email",
                "mailing_id": cls._mailing(cls.workflow, "News").id,
                "best_time": True,
                "best_time_within_amount": 5,
                "best_time_within_unit": "days",
            }
        )

    def _trace(self, partner, step=None):
        return (step or self.step).trace_ids.filtered(lambda t: t.participant_id.res_id == partner.id)

    def _mailed(self, partner, step=None):
        return (step or self.step).mailing_id.mailing_trace_ids.filtered(lambda t: t.res_id == partner.id)

    def test_email_at_the_contacts_best_local_time(self):
        with freeze_time(T0), self.mock_mail_gateway(mail_unlink_sent=False):
            self.workflow.action_start()
            self.workflow.enrol((self.tokyo | self.unknown | self.late).ids)
            self.run_journeys()
        held = self._trace(self.tokyo)
        self.assertEqual(held.state, "scheduled")
        self.assertEqual(held.schedule_date, THURSDAY_23_TOKYO, "Thursday 23:00 in Tokyo")
        self.assertEqual(held.first_due_date, T0)
        self.assertEqual(held.note, "Held for the contact's best time: Thu 23:00 (Asia/Tokyo)")
        self.assertFalse(self._mailed(self.tokyo))
        for partner, why in ((self.unknown, "best time unknown"), (self.late, "best time beyond the 5 days")):
            self.assertEqual(self._trace(partner).state, "processed", why)
            self.assertEqual(self._mailed(partner).trace_status, "sent", why)

        # not before its time
        with freeze_time(THURSDAY_23_TOKYO - timedelta(minutes=1)), self.mock_mail_gateway(mail_unlink_sent=False):
            self.run_journeys()
        self.assertEqual(held.state, "scheduled")
        self.assertFalse(self._mailed(self.tokyo))

        with freeze_time(THURSDAY_23_TOKYO + timedelta(seconds=30)), self.mock_mail_gateway(mail_unlink_sent=False):
            self.run_journeys()
            self.assertEqual(self._mailed(self.tokyo).trace_status, "sent")
            self.assertSentEmail(self.env.user.partner_id, [self.tokyo])
        self.assertEqual(held.state, "processed", "sent when the time came, not held for the next Thursday")
        self.assertEqual(held.date_processed, THURSDAY_23_TOKYO + timedelta(seconds=30))

    def test_quiet_hours_still_apply_at_the_best_time(self):
        # the contact reads at 23:00, in the journey's quiet hours (21:00 → 08:00): the quiet hours win
        self.workflow.quiet_hours = True
        with freeze_time(T0), self.mock_mail_gateway(mail_unlink_sent=False):
            self.workflow.action_start()
            self.workflow.enrol(self.tokyo.ids)
            self.run_journeys()
        trace = self._trace(self.tokyo)
        self.assertEqual(trace.schedule_date, THURSDAY_23_TOKYO)
        with freeze_time(THURSDAY_23_TOKYO), self.mock_mail_gateway(mail_unlink_sent=False):
            self.run_journeys()
        self.assertEqual(trace.state, "scheduled")
        self.assertEqual(trace.note, "Held back: quiet hours")
        friday_8_tokyo = datetime(2026, 3, 5, 23, 0)
        self.assertEqual(trace.schedule_date, friday_8_tokyo)
        with freeze_time(friday_8_tokyo), self.mock_mail_gateway(mail_unlink_sent=False):
            self.run_journeys()
        self.assertEqual(trace.state, "processed", "not held again for the next best time")
        self.assertEqual(self._mailed(self.tokyo).trace_status, "sent")

    def test_lead_journey_reads_the_leads_contact(self):
        lead = self.env["crm.lead"].create(
            {"name": "Taro's deal", "partner_id": self.tokyo.id, "user_id": self.user_salesman.id}
        )
        orphan = self.env["crm.lead"].create({"name": "Walk-in", "email_from": "walkin@example.com"})
        workflow = self.Workflow.create(
            {"name": "Lead best time", "model_name": "crm.lead", "trigger": "manual", "quiet_hours": False}
        )
        step = self.Step.create(
            {
                "name": "Offer",
                "workflow_id": workflow.id,
                "action_type": "email",
                "mailing_id": self._mailing(workflow, "Offer").id,
                "best_time": True,
                "best_time_within_amount": 96,
                "best_time_within_unit": "hours",
            }
        )
        with freeze_time(T0), self.mock_mail_gateway(mail_unlink_sent=False):
            workflow.action_start()
            workflow.enrol((lead | orphan).ids)
            self.run_journeys()
        traces = step.trace_ids
        self.assertEqual(traces.filtered(lambda t: t.participant_id.res_id == lead.id).schedule_date, THURSDAY_23_TOKYO)
        self.assertEqual(
            traces.filtered(lambda t: t.participant_id.res_id == orphan.id).state,
            "processed",
            "a lead without a contact has no best time: at once",
        )

    def test_window_needs_a_unit(self):
        with self.assertRaises(ValidationError):
            self.step.best_time_within_amount = 0


@tagged("post_install", "-at_install", "marketing_automation")
class TestBestChannelJourney(WorkflowCommon, MassSMSCase):
    """A best-channel step: the email, the SMS or a call for the salesperson, as each contact prefers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.emailer = Partner.create({"name": "Emma Email", "email": "emma@example.com", "phone": "+32 456 00 00 01"})
        cls.texter = Partner.create({"name": "Tess Texter", "email": "tess@example.com", "phone": "+32 456 00 00 02"})
        cls.caller = Partner.create(
            {
                "name": "Carl Caller",
                "email": "carl@example.com",
                "phone": "+32 456 00 00 03",
                "user_id": cls.user_salesman.id,
            }
        )
        cls.nowhere = Partner.create({"name": "Nina Nowhere", "email": "nina@example.com"})
        cls.newcomer = Partner.create({"name": "Ned Newcomer", "email": "ned@example.com"})
        cls.emailer.sudo().write(
            {"marketing_preferred_channel": "email", "marketing_channel_reason": "prefers email: 5 of 6 emails opened"}
        )
        cls.texter.sudo().write(
            {"marketing_preferred_channel": "sms", "marketing_channel_reason": "prefers SMS: 3 of 4 SMS clicked"}
        )
        cls.caller.sudo().write(
            {
                "marketing_preferred_channel": "phone",
                "marketing_channel_reason": "prefers phone: 4 calls answered, 0 of 12 emails opened",
            }
        )
        cls.nowhere.sudo().write(
            {"marketing_preferred_channel": False, "marketing_channel_reason": "email opted out, no mobile number"}
        )
        cls.workflow = cls.Workflow.create({"name": "Reach out", "trigger": "manual", "quiet_hours": False})
        sms = cls._mailing(cls.workflow, "Nudge", "Book now: https://www.example.com/book", mailing_type="sms")
        sms.write({"sms_allow_unsubscribe": False, "sms_force_send": True})
        cls.step = cls.Step.create(
            {
                "name": "Reach out",
                "workflow_id": cls.workflow.id,
                "action_type": "best_channel",
                "mailing_id": cls._mailing(cls.workflow, "Hello").id,
                "sms_mailing_id": sms.id,
                "activity_summary": "Call about the offer",
            }
        )
        # "opened" after a best-channel step: only for those it emailed
        cls.opened = cls.Step.create(
            {
                "name": "Thank the reader",
                "workflow_id": cls.workflow.id,
                "parent_id": cls.step.id,
                "condition": "opened",
                "action_type": "wait",
            }
        )

    def _trace(self, partner, step=None):
        return (step or self.step).trace_ids.filtered(lambda t: t.participant_id.res_id == partner.id)

    def test_each_contact_on_their_channel(self):
        call = self.env.ref("mail.mail_activity_data_call")
        with freeze_time(T0), self.mock_mail_gateway(mail_unlink_sent=False), self.mockSMSGateway():
            self.workflow.action_start()
            self.workflow.enrol((self.emailer | self.texter | self.caller | self.nowhere | self.newcomer).ids)
            self.run_journeys()

        emailed = self.step.mailing_id.mailing_trace_ids
        self.assertEqual(sorted(emailed.mapped("res_id")), sorted((self.emailer | self.newcomer).ids))
        self.assertEqual(set(emailed.mapped("trace_status")), {"sent"})
        texted = self.step.sms_mailing_id.mailing_trace_ids
        self.assertEqual(texted.res_id, self.texter.id)
        self.assertEqual(texted.sms_number, self.texter.phone_sanitized)

        by_partner = {partner: self._trace(partner) for partner in (self.emailer, self.texter, self.caller)}
        for partner, channel in ((self.emailer, "email"), (self.texter, "sms"), (self.caller, "phone")):
            self.assertEqual(by_partner[partner].state, "processed", partner.name)
            self.assertEqual(by_partner[partner].channel_used, channel, partner.name)
            self.assertEqual(by_partner[partner].channel_reason, partner.marketing_channel_reason)

        phone_trace = by_partner[self.caller]
        self.assertEqual(phone_trace.note, "Channel: Phone — prefers phone: 4 calls answered, 0 of 12 emails opened")
        activity = phone_trace.activity_id
        self.assertEqual(activity.activity_type_id, call)
        self.assertEqual(activity.user_id, self.user_salesman, "for the contact's salesperson")
        self.assertEqual((activity.res_model, activity.res_id), ("res.partner", self.caller.id))
        self.assertEqual(activity.summary, "Call about the offer")
        self.assertFalse(self.step.mailing_id.mailing_trace_ids.filtered(lambda t: t.res_id == self.caller.id))

        rejected = self._trace(self.nowhere)
        self.assertEqual(rejected.state, "rejected")
        self.assertEqual(rejected.note, "No reachable channel: email opted out, no mobile number")
        self.assertFalse(rejected.channel_used)

        newcomer = self._trace(self.newcomer)
        self.assertEqual((newcomer.channel_used, newcomer.channel_reason), ("email", "no preference known yet"))

        # the 'opened' branch waits for those emailed; the others were reached another way
        self.assertEqual(self._trace(self.emailer, self.opened).state, "waiting")
        for partner in (self.texter, self.caller):
            child = self._trace(partner, self.opened)
            self.assertEqual(child.state, "canceled", partner.name)
            self.assertEqual(child.note, "The contact was reached on another channel")
        self.assertFalse(self._trace(self.nowhere, self.opened))

        with freeze_time(T0 + timedelta(hours=2)), self.mock_mail_gateway(mail_unlink_sent=False):
            self.gateway_mail_trace_open(self.step.mailing_id, self.emailer)
            self.run_journeys()
        self.assertEqual(self._trace(self.emailer, self.opened).state, "processed")

    def test_sms_preferred_without_an_sms_gets_the_email(self):
        self.step.sms_mailing_id = False
        with self.mock_mail_gateway(mail_unlink_sent=False), self.mockSMSGateway():
            self.workflow.action_start()
            self.workflow.enrol(self.texter.ids)
            self.run_journeys()
        trace = self._trace(self.texter)
        self.assertEqual(trace.state, "processed")
        self.assertEqual(trace.channel_used, "email")
        self.assertEqual(trace.channel_reason, "prefers SMS: 3 of 4 SMS clicked; the step has no SMS")
        self.assertEqual(self.step.mailing_id.mailing_trace_ids.res_id, self.texter.id)

    def test_ready_checks(self):
        draft = self.Workflow.create({"name": "Draft", "trigger": "manual"})
        step = self.Step.create({"name": "Reach", "workflow_id": draft.id, "action_type": "best_channel"})
        with self.assertRaises(UserError):
            draft.action_start()
        step.mailing_id = self._mailing(draft, "SMS only", mailing_type="sms")
        with self.assertRaises(UserError):
            draft.action_start()
        step.mailing_id = self._mailing(draft, "An email")
        draft.action_start()
        self.assertEqual(draft.state, "running")

    def test_a_delivery_retry_keeps_its_channel(self):
        with freeze_time(T0), self.mock_mail_gateway(mail_unlink_sent=False):
            self.workflow.action_start()
            self.workflow.enrol(self.emailer.ids)
            self.env["marketing.workflow"]._run_now()
            trace = self._trace(self.emailer)
            self.assertEqual(trace.state, "sending")
            # the mail server is down: a passing failure, tried again later
            trace.mailing_trace_ids.set_failed(failure_type="mail_smtp")
            self.env.flush_all()
        self.assertEqual((trace.state, trace.attempts), ("scheduled", 1))
        # meanwhile the contact's preference changed: the retry still sends the email
        self.emailer.sudo().write({"marketing_preferred_channel": "phone", "marketing_channel_reason": "calls now"})
        with freeze_time(T0 + timedelta(hours=1)), self.mock_mail_gateway(mail_unlink_sent=False):
            self.run_journeys()
        self.assertEqual((trace.state, trace.attempts, trace.channel_used), ("processed", 2, "email"))
        self.assertFalse(trace.activity_id)
        self.assertEqual(self.step.mailing_id.mailing_trace_ids.trace_status, "sent", "the retry replaced it")
