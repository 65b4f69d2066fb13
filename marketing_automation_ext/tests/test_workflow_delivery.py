"""A journey's messages when the mail server or SMS gateway has a bad moment.

The mail tests go through a real SMTP server on loopback (aiosmtpd), first not
listening at all, then answering; Odoo's own mail queue sends, nothing is mocked.
"""

from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.addons.mass_mailing_sms.tests.common import MassSMSCase
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .smtp_server import CollectingHandler, free_port, mail_server_record, really_send, start_smtp_server
from .workflow_common import WorkflowCommon

SMTP_LOGGERS = ("odoo.addons.mail.models.mail_mail", "odoo.models.unlink")


@tagged("post_install", "-at_install", "marketing_automation")
class TestJourneyDeliveryRetries(WorkflowCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("marketing_automation_ext.delivery_retries", 4)
        cls.env["ir.config_parameter"].sudo().set_param("marketing_automation_ext.delivery_retry_delays", "5, 30")
        cls.workflow = cls.Workflow.create(
            {"name": "Welcome", "model_name": "res.partner", "trigger": "manual", "quiet_hours": False}
        )
        cls.welcome = cls.Step.create(
            {
                "name": "Welcome email",
                "workflow_id": cls.workflow.id,
                "action_type": "email",
                "mailing_id": cls._mailing(cls.workflow, "Welcome").id,
            }
        )
        cls.call = cls.Step.create(
            {
                "name": "Call them",
                "workflow_id": cls.workflow.id,
                "parent_id": cls.welcome.id,
                "condition": "after",
                "action_type": "activity",
                "activity_summary": "Welcome call",
            }
        )
        cls.fix_address = cls.Step.create(
            {
                "name": "Fix the address",
                "workflow_id": cls.workflow.id,
                "parent_id": cls.welcome.id,
                "condition": "bounced",
                "window_amount": 30,
                "window_unit": "days",
                "action_type": "activity",
                "activity_summary": "The welcome email did not arrive: check the address",
            }
        )
        cls.workflow.action_start()

    def setUp(self):
        super().setUp()
        self.port = free_port()  # nothing listens there yet: the server is down
        self.welcome.mailing_id.mail_server_id = mail_server_record(self, self.port)

    def _partners(self, count, prefix):
        return self.env["res.partner"].create(
            [{"name": "%s %s" % (prefix, n), "email": "%s%s@example.com" % (prefix, n)} for n in range(count)]
        )

    def _run_crons(self, when):
        """The journey cron, then Odoo's mail queue cron, at ``when`` (the SMTP hop is real)."""
        with freeze_time(when):
            self.env["marketing.workflow"]._run_now()
        with really_send():
            self.env["mail.mail"].sudo().process_email_queue()
        self.env.flush_all()

    def _traces(self, step):
        return step.trace_ids.filtered(lambda t: not t.is_test)

    @mute_logger(*SMTP_LOGGERS)
    def _retry_until_the_server_answers(self, count):
        partners = self._partners(count, "p%s-" % count)
        self.workflow.enrol(partners.ids)
        now = fields.Datetime.now()

        # the mail server refuses connections: nothing is lost, every step waits for a retry
        self._run_crons(now)
        welcome = self._traces(self.welcome)
        self.assertEqual(len(welcome), count)
        self.assertEqual(set(welcome.mapped("state")), {"scheduled"}, "put back in the queue")
        self.assertEqual(set(welcome.mapped("attempts")), {1})
        self.assertTrue(all(t.schedule_date >= now + timedelta(minutes=5) for t in welcome), "after 5 minutes")
        self.assertIn("Connection failed", welcome[0].attempt_log)
        self.assertIn("next try", welcome[0].note)
        self.assertEqual(set(self.workflow.participant_ids.mapped("state")), {"running"})
        self.assertFalse(self._traces(self.call), "the next steps wait for the email")

        # before the delay is over nothing is tried again
        self._run_crons(now + timedelta(minutes=4))
        self.assertEqual(set(welcome.mapped("attempts")), {1})

        # the server is back; the retry is due
        handler = CollectingHandler()
        start_smtp_server(self, handler, self.port)
        self._run_crons(now + timedelta(minutes=6))
        self.assertEqual(len(handler.messages), count, "one email per participant")
        self.assertEqual(
            sorted(rcpt for rcpts, _raw in handler.messages for rcpt in rcpts), sorted(partners.mapped("email"))
        )
        self.assertEqual(set(welcome.mapped("state")), {"processed"})
        self.assertEqual(set(welcome.mapped("attempts")), {2})
        self.assertEqual(len(self.welcome.mailing_id.mailing_trace_ids), count, "the retry replaced the failed one")
        self.assertEqual(set(self.welcome.mailing_id.mailing_trace_ids.mapped("trace_status")), {"sent"})

        # only now the next step runs
        calls = self._traces(self.call)
        self.assertEqual(len(calls), count)
        self._run_crons(now + timedelta(minutes=7))
        self.assertEqual(set(calls.mapped("state")), {"processed"})
        self.assertEqual(len(calls.activity_id), count)
        self.assertEqual(len(handler.messages), count, "nobody got the email twice")
        self.assertEqual(set(self.workflow.participant_ids.mapped("state")), {"running"}, "the bounce branch waits")

    def test_a_few_participants_retried_after_the_server_refused_connections(self):
        self._retry_until_the_server_answers(3)

    def test_more_than_the_immediate_send_limit_retried(self):
        limit = int(self.env["ir.config_parameter"].sudo().get_param("mail.mail.force.send.limit", 100))
        self._retry_until_the_server_answers(limit + 5)

    @mute_logger(*SMTP_LOGGERS)
    def test_permanent_refusal_rejects_only_that_participant_and_temporary_one_is_retried(self):
        good, refused, busy = self._partners(3, "r-")
        handler = CollectingHandler(
            refuse={refused.email: "550 5.1.1 No such user", busy.email: "451 4.3.0 Mailbox busy, try later"}
        )
        start_smtp_server(self, handler, self.port)
        self.workflow.enrol((good | refused | busy).ids)
        now = fields.Datetime.now()
        self._run_crons(now)
        by_partner = {t.participant_id.res_id: t for t in self._traces(self.welcome)}
        self.assertEqual(by_partner[good.id].state, "processed")
        self.assertEqual(by_partner[refused.id].state, "rejected", "a 5xx answer is final")
        self.assertIn("Refused", by_partner[refused.id].note)
        self.assertIn("550", by_partner[refused.id].note)
        self.assertEqual(by_partner[refused.id].attempts, 1)
        self.assertEqual(by_partner[busy.id].state, "scheduled", "a 4xx answer is tried again")
        self.assertIn("451", by_partner[busy.id].attempt_log)
        self.assertEqual([rcpts for rcpts, _raw in handler.messages], [[good.email]])

        # the not-delivered branch catches the refused one; the others go on
        fix = self._traces(self.fix_address).filtered(lambda t: t.participant_id.res_id == refused.id)
        self.assertEqual(fix.state, "scheduled")
        delivered_fix = self._traces(self.fix_address).filtered(lambda t: t.participant_id.res_id == good.id)
        self.assertEqual(delivered_fix.state, "waiting", "a delivered email may still bounce later")
        self.assertEqual(self._traces(self.call).participant_id.mapped("res_id"), [good.id])

        # the busy mailbox accepts the retry
        handler.refuse.clear()
        self._run_crons(now + timedelta(minutes=6))
        self.assertEqual(by_partner[busy.id].state, "processed")
        self.assertEqual(sorted(rcpts[0] for rcpts, _raw in handler.messages), sorted([good.email, busy.email]))
        self.assertEqual(fix.state, "processed")
        self.assertEqual(fix.activity_id.summary, "The welcome email did not arrive: check the address")

    @mute_logger(*SMTP_LOGGERS)
    def test_out_of_retries_fails_the_step_with_the_reason(self):
        self.env["ir.config_parameter"].sudo().set_param("marketing_automation_ext.delivery_retries", 1)
        partner = self._partners(1, "gone-")
        self.workflow.enrol(partner.ids)
        now = fields.Datetime.now()
        self._run_crons(now)
        self._run_crons(now + timedelta(minutes=6))
        trace = self._traces(self.welcome)
        self.assertEqual(trace.state, "error")
        self.assertEqual(trace.attempts, 2)
        self.assertIn("Not delivered after 2 attempt(s)", trace.note)
        self.assertEqual(len(trace.attempt_log.strip().splitlines()), 2, "each attempt recorded")
        self.assertEqual(self._traces(self.fix_address).state, "scheduled", "the not-delivered branch follows")
        self.assertFalse(self._traces(self.call))

    def test_retry_rechecks_the_blacklist_at_send_time(self):
        partner = self._partners(1, "later-")
        self.workflow.enrol(partner.ids)
        now = fields.Datetime.now()
        with mute_logger(*SMTP_LOGGERS):
            self._run_crons(now)
        self.env["mail.blacklist"].sudo()._add(partner.email)
        self._run_crons(now + timedelta(minutes=6))
        trace = self._traces(self.welcome)
        self.assertEqual(trace.state, "rejected")
        self.assertEqual(trace.note, "Blacklisted / opted out")

    def test_retry_settings_are_validated(self):
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.marketing_delivery_retry_delays, "5, 30")
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].create({"marketing_delivery_retry_delays": "soon"})
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].create({"marketing_delivery_retries": -1})

    def _queue_welcome(self, partners, now):
        """Enrol and run the journey only: the welcome emails wait in Odoo's mail queue."""
        self.workflow.enrol(partners.ids)
        with freeze_time(now):
            self.env["marketing.workflow"]._run_now()
        self.env.invalidate_all()  # the journey writes its traces in SQL
        welcome = self._traces(self.welcome).filtered(lambda t: t.participant_id.res_id in partners.ids)
        self.assertEqual(set(welcome.mapped("state")), {"sending"}, "handed to Odoo's mail queue")
        return {trace.participant_id.res_id: trace for trace in welcome}

    def _deliver(self):
        handler = CollectingHandler()
        start_smtp_server(self, handler, self.port)
        with really_send():
            self.env["mail.mail"].sudo().process_email_queue()
        self.env.flush_all()
        return sorted(rcpt for rcpts, _raw in handler.messages for rcpt in rcpts)

    def _assert_recalled(self, trace, reason):
        self.assertEqual(trace.state, "canceled")
        self.assertIn("Recalled before sending", trace.note)
        self.assertIn(reason, trace.note)
        self.assertEqual(trace.mailing_trace_ids.trace_status, "cancel")

    def test_queued_email_is_recalled_when_the_participant_leaves_or_converts(self):
        left, converted, stays = self._partners(3, "recall-")
        now = fields.Datetime.now()
        welcome = self._queue_welcome(left | converted | stays, now)
        participants = {p.res_id: p for p in self.workflow.participant_ids}

        participants[left.id].action_exit()
        self.workflow.goal_domain = "[('id', '=', %d)]" % converted.id
        self.workflow._apply_goal(now)

        self.assertEqual(self._deliver(), [stays.email], "only the one still in the journey gets the email")
        self._assert_recalled(welcome[left.id], "Removed by")
        self._assert_recalled(welcome[converted.id], "Goal reached")
        self.assertEqual(participants[converted.id].state, "converted")
        self.assertEqual(welcome[stays.id].state, "processed")
        self.assertEqual(welcome[stays.id].mailing_trace_ids.trace_status, "sent")

    def test_stopping_the_journey_recalls_its_queued_emails(self):
        partners = self._partners(2, "stop-")
        welcome = self._queue_welcome(partners, fields.Datetime.now())
        self.workflow.action_stop()
        self.assertEqual(self._deliver(), [], "a stopped journey sends nothing more")
        for trace in welcome.values():
            self._assert_recalled(trace, "Journey stopped")
        self.assertEqual(set(self.workflow.participant_ids.mapped("state")), {"running"}, "participants kept")

    def test_an_email_already_sent_is_not_touched_by_a_later_exit(self):
        partner = self._partners(1, "late-")
        now = fields.Datetime.now()
        welcome = self._queue_welcome(partner, now)[partner.id]
        self.assertEqual(self._deliver(), [partner.email])
        self.workflow.participant_ids.filtered(lambda p: p.res_id == partner.id).action_exit()
        self.assertEqual(welcome.state, "processed", "delivered stays delivered")
        self.assertEqual(welcome.mailing_trace_ids.trace_status, "sent")


@tagged("post_install", "-at_install", "marketing_automation")
class TestJourneySmsRetries(WorkflowCommon, MassSMSCase):
    def _sms_journey(self, body):
        """A journey sending one SMS (``body``) to Anna, not started yet."""
        self.partner_anna.phone = "+32 456 00 11 22"
        workflow = self.Workflow.create({"name": "SMS", "trigger": "manual", "quiet_hours": False})
        sms = self.Step.create(
            {
                "name": "Text",
                "workflow_id": workflow.id,
                "action_type": "sms",
                "mailing_id": self._mailing(workflow, "Text", body, mailing_type="sms").id,
            }
        )
        sms.mailing_id.sms_allow_unsubscribe = False
        return workflow, sms

    @mute_logger("odoo.addons.sms.models.sms_sms")
    def test_gateway_error_is_retried_and_the_sms_sent_once(self):
        workflow, sms = self._sms_journey("See you soon")
        after = self.Step.create(
            {"name": "Then", "workflow_id": workflow.id, "parent_id": sms.id, "action_type": "activity"}
        )
        workflow.action_start()
        workflow.enrol(self.partner_anna.ids)
        now = fields.Datetime.now()
        with freeze_time(now), self.mockSMSGateway(sim_error="jsonrpc_exception"):
            self.run_journeys()
        trace = sms.trace_ids
        self.assertEqual(trace.state, "scheduled", "the gateway could not be reached: retried later")
        self.assertIn("Server Error", trace.attempt_log)
        self.assertFalse(after.trace_ids)
        with freeze_time(now + timedelta(minutes=6)), self.mockSMSGateway():
            self.run_journeys()
            self.assertEqual(len(self._sms), 1, "one SMS")
        self.assertEqual(trace.state, "processed")
        self.assertEqual(trace.attempts, 2)
        self.assertEqual(len(sms.mailing_id.mailing_trace_ids), 1)
        self.assertEqual(after.trace_ids.state, "scheduled")

    @mute_logger("odoo.addons.sms.models.sms_sms")
    def test_stopping_the_journey_recalls_its_queued_sms(self):
        workflow, sms = self._sms_journey("Wrong coupon")
        workflow.action_start()
        workflow.enrol(self.partner_anna.ids)
        with freeze_time(fields.Datetime.now()):
            workflow._run_now()
        self.env.invalidate_all()  # the journey writes its traces in SQL
        self.assertEqual(sms.trace_ids.state, "sending")
        workflow.action_stop()
        with self.mockSMSGateway():
            self.env["sms.sms"].sudo()._process_queue()
            self.assertFalse(self._sms, "no SMS left the queue")
        self.assertEqual(sms.trace_ids.state, "canceled")
        self.assertEqual(sms.trace_ids.mailing_trace_ids.trace_status, "cancel")
