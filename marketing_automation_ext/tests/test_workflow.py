from datetime import datetime, timedelta

import psycopg2
from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from .workflow_common import WorkflowCommon

T0 = datetime(2026, 3, 2, 10, 0, 0)  # a Monday, 10:00 UTC


@tagged("post_install", "-at_install", "marketing_automation")
class TestJourneyExample(WorkflowCommon):
    """The issue's example, end to end through Odoo's mailing, tracking and CRM."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner_carl = cls.env["res.partner"].create({"name": "Carl Clicker", "email": "carl@example.com"})
        cls.partner_dora = cls.env["res.partner"].create({"name": "Dora Dormant", "email": "dora@example.com"})
        cls.partner_eve = cls.env["res.partner"].create({"name": "Eve Replier", "email": "eve@example.com"})
        Lead = cls.env["crm.lead"]
        cls.leads = {
            name: Lead.create(
                {"name": "%s's deal" % partner.name, "partner_id": partner.id, "user_id": cls.user_salesman.id}
            )
            for name, partner in (
                ("carl", cls.partner_carl),
                ("dora", cls.partner_dora),
                ("eve", cls.partner_eve),
                ("anna", cls.partner_anna),
            )
        }
        cls.workflow, cls.steps = cls._example_journey()

    def participant(self, lead):
        return self.env["marketing.workflow.participant"].search(
            [("workflow_id", "=", self.workflow.id), ("res_id", "=", lead.id), ("is_test", "=", False)]
        )

    def test_example_journey(self):
        steps, leads = self.steps, self.leads
        with freeze_time(T0), self.mock_mail_gateway(mail_unlink_sent=False):
            self.workflow.action_start()
            self.assertEqual(self.workflow.enrol([lead.id for lead in leads.values()]), 4)
            self.run_journeys()
            self.deliver()
        welcome = steps["welcome"].mailing_id
        self.assertEqual(len(welcome.mailing_trace_ids), 4, "one welcome email per participant")
        for lead in leads.values():
            trace = self.trace_of(self.participant(lead), steps["welcome"])
            self.assertEqual(trace.state, "processed")
            self.assertEqual(trace.mailing_trace_ids.trace_status, "sent")

        # day 1: Carl and Anna open, Eve replies; Dora does nothing
        with freeze_time(T0 + timedelta(days=1)), self.mock_mail_gateway(mail_unlink_sent=False):
            self.gateway_mail_trace_open(welcome, leads["carl"])
            self.gateway_mail_trace_open(welcome, leads["anna"])
            self.gateway_mail_trace_reply(welcome, leads["eve"])
            self.run_journeys()
            self.deliver()
            offer = steps["offer"].mailing_id
            self.assertEqual(
                set(offer.mailing_trace_ids.mapped("res_id")),
                {leads["carl"].id, leads["anna"].id, leads["eve"].id},
                "the offer goes to those who opened (a reply counts as an open)",
            )
            self.assertEqual(self.participant(leads["eve"]).state, "exited", "a reply exits the journey")
            self.assertEqual(self.trace_of(self.participant(leads["carl"]), steps["second"]).state, "canceled")
            # Carl clicks the offer; Anna does not
            self.gateway_mail_trace_click(offer, leads["carl"], "see the offer")
            self.run_journeys()
        call = self.trace_of(self.participant(leads["carl"]), steps["call"])
        self.assertEqual(call.state, "scheduled")
        self.assertEqual(call.schedule_date.date(), (T0 + timedelta(days=3)).date(), "clicked, then 2 days")

        # day 3: not opened within 3 days → Dora gets the second chance, nobody else
        with freeze_time(T0 + timedelta(days=3, minutes=1)), self.mock_mail_gateway(mail_unlink_sent=False):
            self.run_journeys()
        second = steps["second"].mailing_id
        self.assertEqual(second.mailing_trace_ids.mapped("res_id"), [leads["dora"].id])
        self.assertEqual(call.state, "processed", "Carl clicked and was not won within 2 days: a task")
        activity = call.activity_id
        self.assertEqual(activity.res_id, leads["carl"].id)
        self.assertEqual(activity.user_id, self.user_salesman, "assigned to the lead's salesperson")
        self.assertEqual(activity.summary, "Call: clicked the offer")

        # the goal: winning Anna's lead converts her, and cancels what was pending
        leads["anna"].stage_id = self.stage_won
        with freeze_time(T0 + timedelta(days=4)), self.mock_mail_gateway(mail_unlink_sent=False):
            self.run_journeys()
        anna = self.participant(leads["anna"])
        self.assertEqual(anna.state, "converted")
        self.assertFalse(anna.trace_ids.filtered(lambda t: t.state in ("scheduled", "waiting")))

        # day 15: reaction windows closed: everybody is done, nobody got any step twice
        with freeze_time(T0 + timedelta(days=40)), self.mock_mail_gateway(mail_unlink_sent=False):
            self.run_journeys()
            self.run_journeys()
        states = {name: self.participant(lead).state for name, lead in leads.items()}
        self.assertEqual(states, {"carl": "completed", "dora": "completed", "eve": "exited", "anna": "converted"})
        self.env.cr.execute(
            """SELECT t.participant_id, t.step_id, count(mt.id) FROM marketing_workflow_trace t
                 JOIN mailing_trace mt ON mt.marketing_workflow_trace_id = t.id
                GROUP BY 1, 2 HAVING count(mt.id) > 1"""
        )
        self.assertFalse(self.env.cr.fetchall(), "no participant was sent the same step twice")
        self.workflow.invalidate_recordset()
        self.assertEqual(self.workflow.converted_count, 1)
        # the "Converted" button lists exactly the converted participant
        action = self.workflow.with_context(participant_state="converted").action_view_participants()
        shown = self.env["marketing.workflow.participant"].with_context(**action["context"])
        self.assertEqual(action["context"].get("search_default_filter_converted"), 1)
        filters = [("state", "=", "converted"), ("is_test", "=", False)]
        self.assertEqual(shown.search(action["domain"] + filters), self.participant(leads["anna"]))
        self.assertEqual(self.workflow.participant_count, 4)
        self.steps["welcome"].invalidate_recordset()
        self.assertEqual(self.steps["welcome"].count_sent, 4)
        self.assertEqual(self.steps["welcome"].count_opened, 3)
        self.assertEqual(self.steps["welcome"].count_replied, 1)

    def test_one_participation_per_contact_across_leads(self):
        self.workflow.unique_by = "partner"
        second_lead = self.env["crm.lead"].create({"name": "Carl again", "partner_id": self.partner_carl.id})
        self.workflow.action_start()
        self.assertEqual(self.workflow.enrol([self.leads["carl"].id, second_lead.id]), 1)
        self.assertEqual(self.workflow.enrol([second_lead.id]), 0, "Carl takes part already")

    def test_test_mode_runs_in_draft_and_fast_forwards(self):
        wizard = self.env["marketing.workflow.test"].create(
            {"workflow_id": self.workflow.id, "lead_id": self.leads["dora"].id}
        )
        with self.mock_mail_gateway(mail_unlink_sent=False):
            action = wizard.action_launch()
            participant = self.env["marketing.workflow.participant"].browse(action["res_id"])
            self.assertTrue(participant.is_test)
            self.assertEqual(self.workflow.state, "draft")
            participant.action_run_next()
            self.assertEqual(self.trace_of(participant, self.steps["welcome"]).state, "sending", "in the mail queue")
            self.deliver()
            self.assertEqual(self.trace_of(participant, self.steps["welcome"]).state, "processed")
            self.assertIn("Welcome email", participant.position)
            # "not opened within 3 days" is due in 3 days: run it now
            self.assertEqual(participant.next_step_id, self.steps["second"])
            participant.action_run_next()
            self.deliver()
        self.assertEqual(self.trace_of(participant, self.steps["second"]).state, "processed")
        self.assertEqual(self.steps["second"].mailing_id.mailing_trace_ids.res_id, self.leads["dora"].id)
        self.assertEqual(self.workflow.participant_count, 0, "test runs are not counted as participants")


@tagged("post_install", "-at_install", "marketing_automation")
class TestJourneyEngine(WorkflowCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partners = cls.env["res.partner"].create(
            [{"name": "Contact %s" % i, "email": "contact%s@example.com" % i} for i in range(6)]
        )
        cls.todo = cls.env.ref("mail.mail_activity_data_todo")

    def _journey(self, **values):
        workflow = self.Workflow.create({"name": "J", "trigger": "manual", "quiet_hours": False, **values})
        return workflow

    def _step(self, workflow, **values):
        return self.Step.create({"name": "S", "workflow_id": workflow.id, "action_type": "wait", **values})

    def test_segment_push_enrols_members_now_and_later(self):
        segment = self.env["marketing.segment"].create(
            {"name": "Example.com", "domain": "[('email', 'ilike', 'contact')]"}
        )
        segment._refresh()
        workflow = self._journey(trigger="audience", segment_id=segment.id)
        self._step(workflow)
        workflow.action_start()
        self.assertEqual(workflow.participant_count, 6, "everyone already in the segment")
        newcomer = self.env["res.partner"].create({"name": "New", "email": "contact-new@example.com"})
        segment._refresh()
        self.env["marketing.workflow"]._run_now()
        workflow.invalidate_recordset()
        self.assertEqual(workflow.participant_count, 7)
        self.assertEqual(workflow.completed_count, 7, "one step that waits nothing: everyone is through")
        self.assertIn(newcomer, self.env["res.partner"].browse(workflow.participant_ids.mapped("res_id")))

    def test_lists_of_steps_and_participants_show_what_was_just_inserted(self):
        """Enrolment and the next steps are inserted in SQL: a journey, step or participant read
        before them in the same transaction (a form, a server action) lists them afterwards."""
        workflow = self._journey()
        first = self._step(workflow)
        second = self._step(workflow, parent_id=first.id)
        workflow.action_start()
        self.assertFalse(workflow.participant_ids or first.trace_ids or second.trace_ids)  # read, so cached
        workflow.enrol(self.partners[:2].ids)
        self.assertEqual(len(workflow.participant_ids), 2)
        self.assertEqual(len(first.trace_ids), 2)
        participant = workflow.participant_ids[0]
        self.assertEqual(participant.trace_ids.step_id, first)
        self.env["marketing.workflow"]._run_now()
        self.assertEqual(len(second.trace_ids), 2, "the next step's traces, inserted by the cron pass")
        self.assertEqual(participant.trace_ids.step_id, first | second)

    def test_reentry_policy(self):
        workflow = self._journey(reentry="again", reentry_days=10)
        self._step(workflow)
        workflow.action_start()
        with freeze_time(T0):
            self.assertEqual(workflow.enrol(self.partners[:1].ids), 1)
            self.env["marketing.workflow"]._run_now()
            self.assertEqual(workflow.enrol(self.partners[:1].ids), 0, "within 10 days: not again")
        with freeze_time(T0 + timedelta(days=11)):
            self.assertEqual(workflow.enrol(self.partners[:1].ids), 1, "after 10 days: again")
        once = self._journey(reentry="once")
        self._step(once)
        once.action_start()
        once.enrol(self.partners[:1].ids)
        self.env["marketing.workflow"]._run_now()
        self.assertEqual(once.enrol(self.partners[:1].ids), 0)

    def test_record_and_event_and_date_triggers(self):
        on_create = self._journey(trigger="record", domain="[('function', '=', 'Buyer')]")
        self._step(on_create)
        self.partners[0].function = "Buyer"  # in an earlier transaction, before the start: not enrolled
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET write_date = write_date - INTERVAL '1 hour' WHERE id = %s", [self.partners[0].id]
        )
        on_create.action_start()
        self.assertEqual(on_create.participant_count, 0)
        self.partners[1].function = "Buyer"
        self.env["marketing.workflow"]._run_now()
        on_create.invalidate_recordset()
        self.assertEqual(on_create.participant_ids.mapped("res_id"), [self.partners[1].id])

        on_form = self._journey(trigger="event", trigger_event_type="form_submit", trigger_url_pattern="*/ebook*")
        self._step(on_form)
        on_form.action_start()
        self.record(self.partners[2], "form_submit", url="https://shop.example.com/ebook/download")
        self.record(self.partners[3], "form_submit", url="https://shop.example.com/contact")
        self.env["marketing.workflow"]._run_now()
        self.assertEqual(on_form.participant_ids.mapped("res_id"), [self.partners[2].id])

        # a date trigger: one day before a lead's expected closing, and yearly on its anniversary
        deadline = self.env["ir.model.fields"]._get("crm.lead", "date_deadline")
        leads = self.env["crm.lead"].create(
            [
                {"name": "L%s" % i, "date_deadline": day}
                for i, day in enumerate(("2026-03-03", "2026-03-04", "2020-03-02"))
            ]
        )
        reminder = self._journey(model_name="crm.lead", trigger="date", date_field_id=deadline.id, date_offset_days=-1)
        self._step(reminder)
        yearly = self._journey(
            model_name="crm.lead",
            trigger="date",
            date_field_id=deadline.id,
            date_yearly=True,
            reentry="again",
            reentry_days=300,
        )
        self._step(yearly)
        with freeze_time(T0):
            (reminder | yearly).action_start()
        self.assertEqual(reminder.participant_ids.mapped("res_id"), [leads[0].id])
        self.assertEqual(yearly.participant_ids.mapped("res_id"), [leads[2].id])

    def test_touchpoint_committed_late_with_a_lower_id_still_triggers_once(self):
        """Two overlapping transactions: a long import takes an event id first and commits last."""
        workflow = self._journey(trigger="event", trigger_event_type="custom")
        self._step(workflow)
        workflow.action_start()
        paused = self._journey(trigger="event", trigger_event_type="custom")
        self._step(paused)
        paused.action_start()
        paused.action_pause()
        self.env.cr.execute("SELECT nextval('marketing_event_id_seq')")
        early_id = self.env.cr.fetchone()[0]
        # a tracking request commits first, with a higher id; the journey cron sees it
        self.record(self.partners[0], "custom")
        self.env["marketing.workflow"]._run_now()
        self.assertEqual(workflow.participant_ids.mapped("res_id"), [self.partners[0].id])
        # the import's row lands now, below the ids already looked at
        self.env.cr.execute(
            """INSERT INTO marketing_event (id, event_type, channel, partner_id, date, company_id, scored)
               VALUES (%s, 'custom', 'api', %s, now() at time zone 'UTC', %s, true)""",
            [early_id, self.partners[1].id, self.env.company.id],
        )
        self.env["marketing.workflow"]._run_now()
        self.env["marketing.workflow"]._run_now()
        workflow.invalidate_recordset()
        self.assertEqual(sorted(workflow.participant_ids.mapped("res_id")), sorted(self.partners[:2].ids))
        self.assertEqual(workflow.participant_count, 2, "each touchpoint triggered the journey once")
        # a paused journey keeps what came in meanwhile, and takes it when resumed
        self.assertFalse(paused.participant_ids)
        paused.action_resume()
        self.env["marketing.workflow"]._run_now()
        self.assertEqual(sorted(paused.participant_ids.mapped("res_id")), sorted(self.partners[:2].ids))

    def test_pause_resume_stop_keep_states(self):
        workflow = self._journey()
        self._step(workflow, action_type="activity", wait_amount=1, wait_unit="days")
        workflow.action_start()
        workflow.enrol(self.partners[:2].ids)
        workflow.action_pause()
        with freeze_time(datetime.now() + timedelta(days=2)):
            self.env["marketing.workflow"]._run_now()
            self.assertEqual(set(workflow.participant_ids.trace_ids.mapped("state")), {"scheduled"})
            with self.assertRaises(UserError):
                workflow.enrol(self.partners[2:3].ids)
            workflow.action_resume()
            self.env["marketing.workflow"]._run_now()
        self.assertEqual(set(workflow.participant_ids.trace_ids.mapped("state")), {"processed"})
        self.assertEqual(set(workflow.participant_ids.mapped("state")), {"completed"})
        workflow.action_stop()
        self.assertEqual(workflow.state, "stopped")
        self.assertEqual(set(workflow.participant_ids.mapped("state")), {"completed"})

    def test_branch_and_split(self):
        workflow = self._journey()
        root = self._step(workflow, name="Root")
        hot = self._step(
            workflow,
            name="Has a job",
            parent_id=root.id,
            condition="branch_true",
            branch_domain="[('function', '!=', False)]",
            action_type="tag_add",
            partner_tag_ids=[(0, 0, {"name": "Pro"})],
        )
        cold = self._step(
            workflow,
            name="No job",
            parent_id=root.id,
            condition="branch_false",
            branch_domain="[('function', '!=', False)]",
        )
        self.partners[0].function = "CEO"
        workflow.action_start()
        workflow.enrol(self.partners[:2].ids)
        self.env["marketing.workflow"]._run_now()
        self.assertEqual(self.partners[0].category_id.name, "Pro")
        self.assertFalse(self.partners[1].category_id)
        self.assertEqual(
            hot.trace_ids.filtered(lambda t: t.state == "processed").participant_id.res_id, self.partners[0].id
        )
        self.assertEqual(
            cold.trace_ids.filtered(lambda t: t.state == "processed").participant_id.res_id, self.partners[1].id
        )

        many = self.env["res.partner"].create([{"name": "P%s" % i, "email": "p%s@example.com" % i} for i in range(200)])
        split = self._journey(name="AB")
        root = self._step(split, name="Root")
        a = self._step(split, name="A", parent_id=root.id, condition="split", split_percent=50)
        b = self._step(split, name="B", parent_id=root.id, condition="split", split_percent=50)
        split.action_start()
        split.enrol(many.ids)
        self.env["marketing.workflow"]._run_now()
        taken_a = a.trace_ids.filtered(lambda t: t.state == "processed").participant_id
        taken_b = b.trace_ids.filtered(lambda t: t.state == "processed").participant_id
        self.assertFalse(taken_a & taken_b)
        self.assertEqual(len(taken_a | taken_b), 200, "everyone takes exactly one branch")
        self.assertTrue(70 <= len(taken_a) <= 130, "about half: %s" % len(taken_a))
        with self.assertRaises(ValidationError):
            self._step(split, name="C", parent_id=root.id, condition="split", split_percent=10)

    def test_actions_on_records(self):
        segment = self.env["marketing.segment"].create({"name": "Journey picks", "segment_type": "static"})
        action = self.env["ir.actions.server"].create(
            {
                "name": "Mark",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "state": "code",
                "code": "records.write({'ref': 'touched by server action'})",
            }
        )
        workflow = self._journey()
        root = self._step(workflow, action_type="segment_add", target_segment_id=segment.id)
        lead_step = self._step(workflow, parent_id=root.id, action_type="create_lead", team_id=False)
        write = self._step(
            workflow,
            parent_id=lead_step.id,
            action_type="write",
            write_field_id=self.env.ref("base.field_res_partner__function").id,
            write_value="Prospect",
        )
        server = self._step(workflow, parent_id=write.id, action_type="server_action", server_action_id=action.id)
        self._step(
            workflow,
            parent_id=server.id,
            action_type="notify",
            user_id=self.user_ma_manager.id,
            notify_message="Look at this one",
        )
        workflow.action_start()
        workflow.enrol(self.partners[:2].ids)
        self.env["marketing.workflow"]._run_now()
        self.assertEqual(segment.member_count, 2)
        leads = self.env["crm.lead"].search([("partner_id", "in", self.partners[:2].ids)])
        self.assertEqual(len(leads), 2)
        self.assertEqual(set(self.partners[:2].mapped("function")), {"Prospect"})
        self.assertEqual(set(self.partners[:2].mapped("ref")), {"touched by server action"})
        message = self.partners[0].message_ids.filtered(lambda m: "Look at this one" in (m.body or ""))
        self.assertIn(self.user_ma_manager.partner_id, message.partner_ids)


@tagged("post_install", "-at_install", "marketing_automation")
class TestJourneySafety(WorkflowCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.workflow = cls.Workflow.create({"name": "Safety", "trigger": "manual", "quiet_hours": False})
        cls.step = cls.Step.create(
            {
                "name": "Hello",
                "workflow_id": cls.workflow.id,
                "action_type": "email",
                "mailing_id": cls._mailing(cls.workflow, "Hello").id,
            }
        )
        cls.workflow.action_start()

    def _trace(self, partner):
        return self.step.trace_ids.filtered(lambda t: t.participant_id.res_id == partner.id)

    @mute_logger("odoo.sql_db")
    def test_a_participant_made_through_the_orm_is_not_a_test_one(self):
        """Imports, scripts and bridges may create participants with the ORM: they must count as
        real ones (a NULL is_test escaped the one-running-stay index and the journey conditions)."""
        self.env.cr.execute(
            SQL("SELECT %s FROM res_partner r WHERE r.id = %s", self.workflow._unique_key_sql("r"), self.partner_bob.id)
        )
        values = {
            "workflow_id": self.workflow.id,
            "res_model": "res.partner",
            "res_id": self.partner_bob.id,
            "partner_id": self.partner_bob.id,
            "unique_key": self.env.cr.fetchone()[0],
        }
        first = self.env["marketing.workflow.participant"].create(values)
        self.assertIs(first.is_test, False)
        self.env.flush_all()
        self.env.cr.execute("SELECT is_test FROM marketing_workflow_participant WHERE id = %s", [first.id])
        self.assertIs(self.env.cr.fetchone()[0], False, "stored as false, not NULL")
        with self.assertRaises(psycopg2.errors.UniqueViolation), self.env.cr.savepoint():
            self.env["marketing.workflow.participant"].create(values)
            self.env.flush_all()
        self.assertEqual(self.workflow.enrol(self.partner_bob.ids), 0, "already taking part")

    def test_blacklist_missing_address_and_bounces_are_rejected_with_reason(self):
        listed = self.env["res.partner"].create({"name": "Listed", "email": "listed@example.com"})
        self.env["mail.blacklist"].sudo()._add("listed@example.com")
        nomail = self.env["res.partner"].create({"name": "No address"})
        bouncer = self.env["res.partner"].create(
            {"name": "Bouncer", "email": "bouncer@example.com", "message_bounce": 5}
        )
        self.workflow.enrol((listed | nomail | bouncer | self.partner_bob).ids)
        with self.mock_mail_gateway():
            self.run_journeys()
        self.assertEqual(self._trace(listed).state, "rejected")
        self.assertEqual(self._trace(listed).note, "Blacklisted / opted out")
        self.assertEqual(self._trace(nomail).note, "No email address")
        self.assertEqual(self._trace(bouncer).note, "Address bounces")
        self.assertEqual(self._trace(self.partner_bob).state, "processed", "the rest of the batch is sent")
        self.assertEqual(self.step.mailing_id.mailing_trace_ids.res_id, self.partner_bob.id)
        self.step.invalidate_recordset()
        self.assertEqual(self.step.count_rejected, 3)

    def test_quiet_hours_in_the_contacts_time_zone(self):
        self.workflow.quiet_hours = True  # 21:00 → 08:00
        tokyo = self.env["res.partner"].create({"name": "Tokyo", "email": "tokyo@example.com", "tz": "Asia/Tokyo"})
        brussels = self.env["res.partner"].create(
            {"name": "Brussels", "email": "bxl@example.com", "tz": "Europe/Brussels"}
        )
        with freeze_time(datetime(2026, 3, 2, 14, 0)):  # 23:00 in Tokyo, 15:00 in Brussels
            self.workflow.enrol((tokyo | brussels).ids)
            with self.mock_mail_gateway():
                self.run_journeys()
        self.assertEqual(self._trace(brussels).state, "processed")
        held = self._trace(tokyo)
        self.assertEqual(held.state, "scheduled")
        self.assertEqual(held.note, "Held back: quiet hours")
        self.assertEqual(held.schedule_date, datetime(2026, 3, 2, 23, 0), "08:00 in Tokyo")
        with freeze_time(datetime(2026, 3, 2, 23, 1)), self.mock_mail_gateway():
            self.run_journeys()
        self.assertEqual(held.state, "processed")

    def test_a_test_run_is_not_held_by_quiet_hours(self):
        """Quiet hours spare the recipients; a marketer testing a journey at night sees the message go."""
        self.workflow.quiet_hours = True  # 21:00 → 08:00
        wait = self.Step.create(
            {
                "name": "At a good hour",
                "workflow_id": self.workflow.id,
                "parent_id": self.step.id,
                "action_type": "activity",
                "wait_send_time": True,
                "activity_summary": "Call",
            }
        )
        tokyo = self.env["res.partner"].create({"name": "Tokyo", "email": "tokyo@example.com", "tz": "Asia/Tokyo"})
        with freeze_time(datetime(2026, 3, 2, 14, 0)):  # 23:00 in Tokyo
            self.workflow.enrol(tokyo.ids, test=True)
            with self.mock_mail_gateway():
                self.run_journeys()
            self.run_journeys()
        participant = self.workflow.participant_ids.filtered(lambda p: p.res_id == tokyo.id)
        self.assertTrue(participant.is_test)
        by_step = {trace.step_id: trace for trace in participant.trace_ids}
        self.assertEqual(by_step[self.step].state, "processed", "sent at 23:00 in Tokyo: it is a test")
        self.assertEqual(by_step[wait].state, "processed", "nor is a step that waits for the send time held")
        self.assertFalse(by_step[wait].note)

    def test_frequency_cap_across_mass_mailings(self):
        self.env["res.config.settings"].create({"marketing_frequency_cap": 1, "marketing_frequency_days": 7}).execute()
        newsletter = self.env["mailing.mailing"].create(
            {
                "name": "Newsletter",
                "subject": "News",
                "body_html": "<p>News</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "mailing_domain": repr([("id", "=", self.partner_bob.id)]),
            }
        )
        with self.mock_mail_gateway():
            newsletter.action_send_mail()
            self.workflow.enrol((self.partner_bob | self.partner_anna).ids)
            self.run_journeys()
        held = self._trace(self.partner_bob)
        self.assertEqual(held.state, "scheduled")
        self.assertEqual(held.note, "Held back: frequency cap reached")
        self.assertGreater(held.schedule_date, datetime.now() + timedelta(days=6))
        self.assertEqual(self._trace(self.partner_anna).state, "processed")

    @mute_logger("odoo.addons.mail.models.mail_render_mixin")
    def test_template_failing_for_one_record_fails_only_that_trace(self):
        mailing = self._mailing(self.workflow, "Broken", body='<p><t t-out="object.parent_id.name.upper()"/></p>')
        self.step.mailing_id = mailing
        company = self.env["res.partner"].create({"name": "Acme", "is_company": True})
        employee = self.env["res.partner"].create({"name": "Emp", "email": "emp@example.com", "parent_id": company.id})
        orphan = self.env["res.partner"].create({"name": "Orphan", "email": "orphan@example.com"})
        self.workflow.enrol((employee | orphan).ids)
        with self.mock_mail_gateway():
            self.run_journeys()
        self.assertEqual(self._trace(employee).state, "processed")
        failed = self._trace(orphan)
        self.assertEqual(failed.state, "error")
        self.assertIn("render", failed.note.lower())
        self.assertEqual(mailing.mailing_trace_ids.res_id, employee.id)

    def test_bad_input_refused(self):
        with self.assertRaises(ValidationError):
            self.Workflow.create({"name": "Bad", "domain": "[('nope', '=', 1)]"})
        with self.assertRaises(ValidationError):
            self.Workflow.create({"name": "Bad", "goal_domain": "[(("})
        with self.assertRaises(ValidationError):
            self.Step.create(
                {
                    "name": "Orphan reaction",
                    "workflow_id": self.workflow.id,
                    "condition": "opened",
                    "parent_id": self.Step.create(
                        {"name": "Task", "workflow_id": self.workflow.id, "action_type": "activity"}
                    ).id,
                }
            )
        a = self.Step.create({"name": "A", "workflow_id": self.workflow.id, "action_type": "wait"})
        b = self.Step.create({"name": "B", "workflow_id": self.workflow.id, "action_type": "wait", "parent_id": a.id})
        with self.assertRaises(ValidationError):
            a.parent_id = b
        function = self.env["ir.model.fields"]._get("res.partner", "color")
        with self.assertRaises(ValidationError):
            self.Step.create(
                {
                    "name": "Bad value",
                    "workflow_id": self.workflow.id,
                    "action_type": "write",
                    "write_field_id": function.id,
                    "write_value": "not a number",
                }
            )
        with self.assertRaises(ValidationError):
            self.workflow.enrol([999999999])
        with self.assertRaises(ValidationError):
            self.workflow.enrol(["7"])
        with self.assertRaises(ValidationError):
            self.workflow.enrol(7)
        with self.assertRaises(ValidationError):
            self.Step.create(
                {
                    "name": "Hook",
                    "workflow_id": self.workflow.id,
                    "action_type": "webhook",
                    "webhook_url": "ftp://example.com",
                }
            )

    def test_open_that_cancels_the_last_pending_step_completes_the_participant(self):
        step = self.Step.create(
            {
                "name": "Reminder",
                "workflow_id": self.workflow.id,
                "parent_id": self.step.id,
                "condition": "not_opened",
                "window_amount": 2,
                "action_type": "email",
                "mailing_id": self._mailing(self.workflow, "Reminder").id,
            }
        )
        self.workflow.enrol(self.partner_bob.ids)
        with self.mock_mail_gateway(mail_unlink_sent=False):
            self.run_journeys()
            self.deliver()
            self.assertEqual(self.workflow.participant_ids.state, "running")
            self.gateway_mail_trace_open(self.step.mailing_id, self.partner_bob)
            self.run_journeys()
        self.assertEqual(step.trace_ids.state, "canceled")
        self.assertEqual(self.workflow.participant_ids.state, "completed")
