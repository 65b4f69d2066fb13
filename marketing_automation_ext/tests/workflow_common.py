"""A journey built the way a marketer builds it, plus the cron passes tests need."""

from .common import MarketingCommon


class WorkflowCommon(MarketingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Workflow = cls.env["marketing.workflow"]
        cls.Step = cls.env["marketing.workflow.step"]
        cls.stage_won = cls.env["crm.stage"].search([("is_won", "=", True)], limit=1)

    @classmethod
    def _mailing(cls, workflow, subject, body=None, mailing_type="mail"):
        values = {
            "name": subject,
            "subject": subject,
            "marketing_workflow_id": workflow.id,
            "mailing_type": mailing_type,
            "reply_to_mode": "update",
        }
        if mailing_type == "mail":
            values["body_html"] = body or (
                '<p>Hello <t t-out="object.name"/>, <a href="https://www.example.com/offer">see the offer</a></p>'
            )
        else:
            values["body_plaintext"] = body or "Hello, see https://www.example.com/offer"
        return cls.env["mailing.mailing"].create(values)

    @classmethod
    def _example_journey(cls, model_name="crm.lead", **values):
        """The issue's example: email → opened? (yes: offer; no after 3 days: another email)
        → clicked the offer but not won after 2 days: a task for the salesperson; a reply exits;
        winning the lead is the goal."""
        workflow = cls.Workflow.create(
            {
                "name": "Onboarding",
                "model_name": model_name,
                "trigger": "manual",
                "quiet_hours": False,
                "goal_domain": "[('stage_id.is_won', '=', True)]" if model_name == "crm.lead" else False,
                **values,
            }
        )
        welcome = cls.Step.create(
            {
                "name": "Welcome email",
                "workflow_id": workflow.id,
                "action_type": "email",
                "mailing_id": cls._mailing(workflow, "Welcome").id,
            }
        )
        offer = cls.Step.create(
            {
                "name": "Offer",
                "workflow_id": workflow.id,
                "parent_id": welcome.id,
                "condition": "opened",
                "window_amount": 3,
                "window_unit": "days",
                "action_type": "email",
                "mailing_id": cls._mailing(workflow, "Our offer").id,
            }
        )
        second = cls.Step.create(
            {
                "name": "Second chance",
                "workflow_id": workflow.id,
                "parent_id": welcome.id,
                "condition": "not_opened",
                "window_amount": 3,
                "window_unit": "days",
                "action_type": "email",
                "mailing_id": cls._mailing(workflow, "Did you miss this?").id,
            }
        )
        call = cls.Step.create(
            {
                "name": "Call them",
                "workflow_id": workflow.id,
                "parent_id": offer.id,
                "condition": "clicked",
                "window_amount": 7,
                "window_unit": "days",
                "wait_amount": 2,
                "wait_unit": "days",
                "action_type": "activity",
                "activity_summary": "Call: clicked the offer",
            }
        )
        replied = cls.Step.create(
            {
                "name": "Replied: stop",
                "workflow_id": workflow.id,
                "parent_id": welcome.id,
                "condition": "replied",
                "window_amount": 30,
                "window_unit": "days",
                "action_type": "exit",
            }
        )
        return workflow, {"welcome": welcome, "offer": offer, "second": second, "call": call, "replied": replied}

    def run_journeys(self):
        """What the crons do every minute: touchpoints first (tracking feeds branches), the journeys,
        then Odoo's mail and SMS queues send what the journeys queued and the journeys learn the outcome."""
        self.env["marketing.event"]._score_pending_now()
        self.env["marketing.workflow"]._run_now()
        self.deliver()
        self.env.flush_all()

    def deliver(self):
        """Odoo's mail and SMS queue crons: send what the journeys queued (through the test gateways)."""
        mails = self.env["mail.mail"].sudo().search([("state", "=", "outgoing")])
        mails.send()
        self.env["sms.sms"].sudo()._process_queue()
        self.env["marketing.event"]._score_pending_now()

    def trace_of(self, participant, step):
        return participant.trace_ids.filtered(lambda t: t.step_id == step)
