from odoo.addons.mass_mailing_sms.tests.common import MassSMSCase
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import MarketingCommon
from .workflow_common import WorkflowCommon


@tagged("post_install", "-at_install", "marketing_automation")
class TestSmsTouchpoints(MarketingCommon, MassSMSCase):
    """An SMS mailing through Odoo's SMS stack; only the IAP gateway hop is intercepted."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner_bob.phone = "+32 456 00 33 44"
        cls.env["marketing.score.rule"].create(
            {
                "name": "SMS clicked",
                "rule_type": "behaviour",
                "event_type": "sms_click",
                "points": 6,
            }
        )
        cls.env["marketing.score.rule"].create(
            {
                "name": "SMS bounced",
                "rule_type": "behaviour",
                "event_type": "sms_bounce",
                "points": -4,
            }
        )
        cls.sms_mailing = cls.env["mailing.mailing"].create(
            {
                "name": "SMS offer",
                "subject": "SMS offer",
                "mailing_type": "sms",
                "body_plaintext": "Our offer: https://www.example.com/sms-offer",
                "mailing_model_id": cls.env["ir.model"]._get_id("res.partner"),
                "mailing_domain": repr([("id", "in", (cls.partner_anna | cls.partner_bob).ids)]),
                "sms_allow_unsubscribe": False,
                "sms_force_send": True,
            }
        )

    @mute_logger("odoo.addons.mass_mailing_sms.models.mailing_mailing")
    def test_sms_sent_clicked_bounced(self):
        with self.mockSMSGateway():
            self.sms_mailing.action_send_sms()
        self.env["marketing.event"]._score_pending_now()
        sent = self.events_of(self.partner_anna, "sms_sent")
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent.channel, "sms")
        self.assertEqual(sent.mailing_id, self.sms_mailing)

        self.gateway_sms_click(self.sms_mailing, self.partner_anna)
        self.env["marketing.event"]._score_pending_now()
        clicks = self.events_of(self.partner_anna, "sms_click")
        self.assertEqual(len(clicks), 1)
        self.assertTrue(clicks.url.startswith("https://www.example.com/sms-offer"))
        self.assertEqual(self.partner_anna.marketing_score, 7 + 6)

        # a delivery report with an error marks the trace bounced (as Odoo's own SMS statistics test does)
        self.sms_mailing.mailing_trace_ids.filtered(lambda t: t.res_id == self.partner_bob.id).set_bounced()
        self.env["marketing.event"]._score_pending_now()
        self.assertEqual(len(self.events_of(self.partner_bob, "sms_bounce")), 1)
        self.assertEqual(self.partner_bob.marketing_score, -4)


@tagged("post_install", "-at_install", "marketing_automation")
class TestSmsJourney(WorkflowCommon, MassSMSCase):
    """An SMS step, its tracked link, and the 'SMS clicked' / 'not clicked' branches."""

    def test_sms_clicked_or_not(self):
        self.partner_bob.phone = "+32 456 00 33 44"
        self.partner_anna.phone = "+32 456 00 11 22"
        workflow = self.Workflow.create({"name": "SMS nudge", "trigger": "manual", "quiet_hours": False})
        sms = self.Step.create(
            {
                "name": "Nudge",
                "workflow_id": workflow.id,
                "action_type": "sms",
                "mailing_id": self._mailing(
                    workflow, "Nudge", "Book now: https://www.example.com/book", mailing_type="sms"
                ).id,
            }
        )
        sms.mailing_id.write({"sms_allow_unsubscribe": False, "sms_force_send": True})
        bonus = self.env["marketing.score.rule"].create(
            {"name": "Journey bonus", "rule_type": "behaviour", "event_type": "custom", "points": 9}
        )
        clicked = self.Step.create(
            {
                "name": "Thank",
                "workflow_id": workflow.id,
                "parent_id": sms.id,
                "condition": "sms_clicked",
                "action_type": "touchpoint",
                "event_type": "custom",
            }
        )
        ignored = self.Step.create(
            {
                "name": "Call",
                "workflow_id": workflow.id,
                "parent_id": sms.id,
                "condition": "sms_not_clicked",
                "window_amount": 1,
                "window_unit": "days",
                "action_type": "activity",
            }
        )
        workflow.action_start()
        workflow.enrol((self.partner_anna | self.partner_bob).ids)
        with self.mockSMSGateway():
            self.run_journeys()
        self.assertEqual(len(sms.mailing_id.mailing_trace_ids), 2)
        self.gateway_sms_click(sms.mailing_id, self.partner_anna)
        self.run_journeys()
        self.run_journeys()
        anna = workflow.participant_ids.filtered(lambda p: p.res_id == self.partner_anna.id)
        self.assertEqual(self.trace_of(anna, clicked).state, "processed")
        self.assertEqual(self.trace_of(anna, ignored).state, "canceled")
        self.assertEqual(self.breakdown(self.partner_anna)[bonus.name], (9, 1), "the journey adjusted her score")
        bob = workflow.participant_ids.filtered(lambda p: p.res_id == self.partner_bob.id)
        self.assertEqual(self.trace_of(bob, ignored).state, "scheduled", "decided when the day is over")
        self.assertEqual(self.trace_of(bob, clicked).state, "waiting")
