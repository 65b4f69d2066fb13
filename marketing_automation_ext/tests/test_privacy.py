"""Privacy as properties (issue 13, item 6).

1. Random contacts (blacklisted, phone-blacklisted, bouncing, no address, sharing an address,
   already at the frequency cap), random two-step journeys over email and SMS, opt-outs and
   bounces arriving between the steps: no message reaches a blocked or over-the-cap address,
   counted at the real gateways (Odoo's mail and SMS mocks) and in mailing traces.
2. Deleting or anonymising a contact removes its touchpoints, memberships, participations,
   journey steps and score history.
"""

import os
from datetime import timedelta

from freezegun import freeze_time
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from odoo import fields
from odoo.addons.mass_mailing_sms.tests.common import MassSMSCase
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import email_normalize, mute_logger

from .workflow_common import WorkflowCommon

BOUNCE_LIMIT = 3
contacts = st.lists(
    st.fixed_dictionaries(
        {
            "email": st.sampled_from(["own", "shared", "none"]),
            "blacklisted": st.booleans(),
            "phone_blacklisted": st.booleans(),
            "bounces": st.sampled_from([0, BOUNCE_LIMIT - 1, BOUNCE_LIMIT]),
            "prior_sends": st.integers(min_value=0, max_value=3),
            "opts_out_later": st.booleans(),
            "bounces_later": st.booleans(),
        }
    ),
    min_size=1,
    max_size=6,
)
journeys = st.lists(
    st.tuples(st.sampled_from(["email", "sms"]), st.sampled_from(["email", "sms"])), min_size=1, max_size=2
)


# a contact spec with nothing blocking it (see ``contacts``)
PLAIN = {
    "email": "own",
    "blacklisted": False,
    "phone_blacklisted": False,
    "bounces": 0,
    "prior_sends": 0,
    "opts_out_later": False,
    "bounces_later": False,
}


@tagged("post_install", "-at_install", "marketing_automation")
class TestNoMessageToBlockedContacts(WorkflowCommon, MassSMSCase):
    scenario_no = 0

    def _scenario_contacts(self, specs):
        TestNoMessageToBlockedContacts.scenario_no += 1
        tag = "p%s" % self.scenario_no
        partners = self.env["res.partner"]
        for index, spec in enumerate(specs):
            email = {
                "own": "c%s.%s@privacy.example.com" % (index, tag),
                "shared": "shared.%s@privacy.example.com" % tag,
            }
            partner = self.env["res.partner"].create(
                {
                    "name": "Privacy %s %s" % (tag, index),
                    "email": email.get(spec["email"], False),
                    "phone": "+3245%s%04d" % (self.scenario_no % 10000 // 100, self.scenario_no % 100 * 100 + index),
                    "message_bounce": spec["bounces"],
                }
            )
            if spec["blacklisted"] and partner.email_normalized:
                self.env["mail.blacklist"].sudo()._add(partner.email_normalized)
            if spec["phone_blacklisted"] and partner.phone_sanitized:
                self.env["phone.blacklist"].sudo()._add([partner.phone_sanitized])
            partners |= partner
        return partners

    def _prior_sends(self, partners, specs):
        """Newsletters already sent this week (they count toward the cap)."""
        newsletter = self.env["mailing.mailing"].create(
            {
                "subject": "Earlier news",
                "body_html": "<p>News</p>",
                "mailing_model_id": self.env.ref("base.model_res_partner").id,
            }
        )
        values = []
        for partner, spec in zip(partners, specs, strict=True):
            for _ in range(spec["prior_sends"]):
                if partner.email_normalized:
                    values.append(
                        {
                            "model": "res.partner",
                            "res_id": partner.id,
                            "mass_mailing_id": newsletter.id,
                            "email": partner.email_normalized,
                            "trace_status": "sent",
                        }
                    )
                values.append(
                    {
                        "model": "res.partner",
                        "res_id": partner.id,
                        "mass_mailing_id": newsletter.id,
                        "trace_type": "sms",
                        "sms_number": partner.phone_sanitized,
                        "trace_status": "sent",
                    }
                )
        self.env["mailing.trace"].create(values)

    def _journey(self, partners, first, second):
        workflow = self.Workflow.create(
            {
                "name": "Privacy journey",
                "model_name": "res.partner",
                "trigger": "audience",
                "quiet_hours": False,
                "domain": repr([("id", "in", partners.ids)]),
            }
        )
        steps = self.env["marketing.workflow.step"]
        parent = False
        for name, channel in (("First", first), ("Second", second)):
            mailing = self._mailing(workflow, name, mailing_type="sms" if channel == "sms" else "mail")
            if channel == "sms":
                mailing.write({"sms_allow_unsubscribe": False, "sms_force_send": True})
            step = self.Step.create(
                {
                    "name": name,
                    "workflow_id": workflow.id,
                    "action_type": channel,
                    "mailing_id": mailing.id,
                    "parent_id": parent,
                    **({"condition": "after"} if parent else {}),
                    "wait_amount": 1 if parent else 0,
                    "wait_unit": "days",
                }
            )
            parent = step.id
            steps |= step
        return workflow

    def _sent(self):
        """Addresses as the gateways received them: emails and SMS numbers."""
        emails = [email_normalize(email) for mail in self._mails for email in mail["email_to"]]
        numbers = [sms["number"] for sms in self._sms]
        return emails, numbers

    def _blocked(self, partners):
        self.env.flush_all()
        emails = {
            p.email_normalized
            for p in partners
            if p.email_normalized
            and (
                p.message_bounce >= BOUNCE_LIMIT
                or self.env["mail.blacklist"]
                .sudo()
                .search_count([("email", "=", p.email_normalized), ("active", "=", True)])
            )
        }
        numbers = {
            p.phone_sanitized
            for p in partners
            if self.env["phone.blacklist"]
            .sudo()
            .search_count([("number", "=", p.phone_sanitized), ("active", "=", True)])
        }
        return emails, numbers

    def _sends_this_week(self, column, address):
        self.env.flush_all()
        self.env.cr.execute(
            f"SELECT count(*) FROM mailing_trace WHERE {column} = %s AND trace_status NOT IN ('cancel', 'error') "
            "AND create_date >= %s",
            [address, fields.Datetime.now() - timedelta(days=7)],
        )
        return self.env.cr.fetchone()[0]

    def _assert_nothing_to(self, blocked_emails, blocked_numbers, before):
        emails, numbers = self._sent()
        self.assertFalse(set(emails) & blocked_emails, "an email reached a blocked address")
        self.assertFalse({n.replace(" ", "") for n in numbers} & blocked_numbers, "an SMS reached a blocked number")
        for column, sent in (("email", emails), ("sms_number", numbers)):
            for address in set(sent):
                # the journey added a send only while the address was under the cap
                self.assertLessEqual(
                    self._sends_this_week(column, address),
                    max(self.cap, before[(column, address)]),
                    "%s went over the frequency cap" % address,
                )

    def _assert_the_others_reached(self, partners, specs, journey_steps, cap):
        """The control: a contact with an address of its own, nothing against it and room under the
        cap gets the first message (so the properties above are not met by sending nothing)."""
        emails, numbers = self._sent()
        numbers = [n.replace(" ", "") for n in numbers]
        firsts = [first for first, _second in journey_steps]
        for partner, spec in zip(partners, specs, strict=True):
            if spec["email"] != "own" or spec["prior_sends"] + len(firsts) > cap:
                continue
            if "email" in firsts and not spec["blacklisted"] and spec["bounces"] < BOUNCE_LIMIT:
                self.assertEqual(emails.count(partner.email_normalized), firsts.count("email"), partner.name)
            if "sms" in firsts and not spec["phone_blacklisted"]:
                self.assertEqual(numbers.count(partner.phone_sanitized), firsts.count("sms"), partner.name)

    @settings(
        # PRIVACY_EXAMPLES=300 for a deeper search by hand (about 3 minutes)
        max_examples=int(os.environ.get("PRIVACY_EXAMPLES", 15)),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(specs=contacts, journey_steps=journeys, cap=st.integers(min_value=1, max_value=3))
    # found by the search: two contacts sharing an address in one batch, cap 1 (both got it)
    @example(
        specs=[dict(PLAIN, email="shared"), dict(PLAIN, email="own"), dict(PLAIN, email="shared")],
        journey_steps=[("email", "email")],
        cap=1,
    )
    @mute_logger("odoo.addons.mass_mailing_sms.models.mailing_mailing", "odoo.addons.mail.models.mail_mail")
    def test_no_message_reaches_a_blocked_or_capped_contact(self, specs, journey_steps, cap):
        # each example in its own savepoint: a failing one leaves the transaction usable for the next
        try:
            with self.env.cr.savepoint():
                self._check_scenario(specs, journey_steps, cap)
        finally:
            self.env.invalidate_all()

    def _check_scenario(self, specs, journey_steps, cap):
        self.cap = cap
        self.env["res.config.settings"].create(
            {"marketing_frequency_cap": cap, "marketing_frequency_days": 7, "marketing_bounce_limit": BOUNCE_LIMIT}
        ).execute()
        partners = self._scenario_contacts(specs)
        self._prior_sends(partners, specs)
        before = {}
        for partner in partners:
            for key in (("email", partner.email_normalized), ("sms_number", partner.phone_sanitized)):
                before[key] = self._sends_this_week(*key) if key[1] else 0
        workflows = self.Workflow
        for first, second in journey_steps:
            workflows |= self._journey(partners, first, second)
        workflows.action_start()
        with self.mock_mail_gateway(), self.mockSMSGateway():
            self.run_journeys()
            self._assert_nothing_to(*self._blocked(partners), before)
            self._assert_the_others_reached(partners, specs, journey_steps, cap)
        # between the steps: some opt out (email and phone), some addresses start bouncing
        for partner, spec in zip(partners, specs, strict=True):
            if spec["opts_out_later"]:
                if partner.email_normalized:
                    self.env["mail.blacklist"].sudo()._add(partner.email_normalized)
                self.env["phone.blacklist"].sudo()._add([partner.phone_sanitized])
            if spec["bounces_later"]:
                partner.message_bounce = BOUNCE_LIMIT
        for key in before:
            before[key] = self._sends_this_week(*key) if key[1] else 0
        with (
            freeze_time(fields.Datetime.now() + timedelta(days=1, hours=1)),
            self.mock_mail_gateway(),
            self.mockSMSGateway(),
        ):
            self.run_journeys()
            self._assert_nothing_to(*self._blocked(partners), before)
        workflows.action_stop()


@tagged("post_install", "-at_install", "marketing_automation")
class TestForgetAContact(WorkflowCommon):
    """A contact deleted or anonymised leaves nothing about them in the marketing data."""

    def _trail(self, partner, lead):
        self.env.flush_all()
        cr = self.env.cr
        found = {}
        for table, where in (
            ("marketing_event", "partner_id = %(p)s OR lead_id = %(l)s"),
            ("marketing_score_history", "partner_id = %(p)s OR lead_id = %(l)s"),
            ("marketing_segment_member", "partner_id = %(p)s OR lead_id = %(l)s"),
            ("marketing_workflow_participant", "partner_id = %(p)s OR lead_id = %(l)s"),
            (
                "marketing_workflow_trace",
                "participant_id IN (SELECT id FROM marketing_workflow_participant "
                "WHERE partner_id = %(p)s OR lead_id = %(l)s)",
            ),
        ):
            cr.execute("SELECT count(*) FROM %s WHERE %s" % (table, where), {"p": partner, "l": lead})
            found[table] = cr.fetchone()[0]
        return found

    def _leave_a_trail(self):
        partner = self.env["res.partner"].create(
            {"name": "Forget Me", "email": "forget.me@example.com", "function": "CEO"}
        )
        lead = self.env["crm.lead"].create(
            {
                "name": "Forget me deal",
                "partner_id": partner.id,
                "expected_revenue": 50000,
                "user_id": self.user_ma_manager.id,
            }
        )
        self.record(partner, "email_click", url="https://example.com/pricing")
        self.env["marketing.event"].record_event("custom", lead_id=lead.id)
        segment = self.env["marketing.segment"].create({"name": "Forgettable", "segment_type": "static"})
        self.env["marketing.segment.member"].create({"segment_id": segment.id, "partner_id": partner.id})
        for model, record in (("res.partner", partner), ("crm.lead", lead)):
            workflow = self.Workflow.create(
                {"name": "Forget", "model_name": model, "trigger": "manual", "quiet_hours": False}
            )
            self.Step.create({"name": "Pause", "workflow_id": workflow.id, "action_type": "wait", "wait_amount": 3})
            workflow.action_start()
            workflow.enrol(record.ids)
        self.env["marketing.event"]._score_pending_now()
        trail = self._trail(partner.id, lead.id)
        for table in (
            "marketing_event",
            "marketing_score_history",
            "marketing_segment_member",
            "marketing_workflow_participant",
            "marketing_workflow_trace",
        ):
            self.assertTrue(trail[table], "the scenario left no %s" % table)
        return partner, lead

    def test_deleting_the_contact_and_lead_removes_their_trail(self):
        partner, lead = self._leave_a_trail()
        ids = (partner.id, lead.id)
        lead.unlink()
        partner.unlink()
        self.assertEqual(set(self._trail(*ids).values()), {0})

    def test_deleting_only_the_lead_removes_the_lead_rows(self):
        partner, lead = self._leave_a_trail()
        lead_id = lead.id
        lead.unlink()
        self.assertEqual(set(self._trail(0, lead_id).values()), {0})
        self.assertTrue(self._trail(partner.id, 0)["marketing_event"], "the contact's own touchpoints stay")

    def test_anonymising_the_contact_removes_their_trail(self):
        """GDPR erasure without deleting the record (invoices may need it): the marketing data goes."""
        partner, lead = self._leave_a_trail()
        with self.assertRaises(AccessError):
            partner.with_user(self.user_ma_user).action_marketing_forget()
        partner.with_user(self.user_ma_manager).action_marketing_forget()
        lead.with_user(self.user_ma_manager).action_marketing_forget()
        self.assertEqual(set(self._trail(partner.id, lead.id).values()), {0})
        self.assertEqual((partner.marketing_score, lead.marketing_score), (0, 0))
        self.assertEqual(partner.marketing_best_weekday, -1)
