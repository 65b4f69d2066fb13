"""Demo data that is alive: journeys made from templates, run by the real engine over simulated weeks.

Called once from demo/marketing_template_demo.xml. Each simulated week: a new cohort enters, the
journeys run, Odoo's mail queue "delivers" (its own post-send step, no SMTP server), contacts open,
click, reply or bounce through Odoo's tracking methods, then everything of the two journeys is moved
one week into the past. Deterministic (fixed seed, records in id order) and quiet in the log.
"""

import random
from datetime import timedelta

from odoo import api, fields, models

DEMO_WEEKS = 6
DEMO_TOUCHPOINT_DAYS = 120
WEBSITE_PAGES = ("/", "/pricing", "/blog/automation-101", "/customers", "/contactus", "/webinar/spring")


class MarketingWorkflowTemplate(models.Model):
    _inherit = "marketing.workflow.template"

    @api.model
    def _demo_live_journeys(self):
        Workflow = self.env["marketing.workflow"]
        if Workflow.search_count([("name", "in", ("Welcome new contacts", "Seven-week nurture"))]):
            return False
        rng = random.Random(10)
        partners = self.env["res.partner"].search(
            [("email", "!=", False), ("is_company", "=", False), ("user_ids", "=", False), ("type", "=", "contact")],
            order="id",
            limit=36,
        )
        leads = self.env["crm.lead"].search(
            [("email_from", "!=", False), ("stage_id.is_won", "=", False), ("active", "=", True)], order="id", limit=18
        )
        self._demo_touchpoints(partners, rng)
        welcome = self._demo_journey("welcome", "Welcome new contacts", coupon_code="WELCOME10", delay_days=3)
        nurture = self._demo_journey("nurture", "Seven-week nurture", coupon_code="DRIP15", delay_days=7)
        journeys = welcome | nurture
        # cohorts enter by hand during the simulation: the templates' "created or updated" trigger
        # would take every demo record at once (all were written at install time)
        triggers = {journey: journey.trigger for journey in journeys}
        journeys.write({"quiet_hours": False, "trigger": "manual"})
        journeys.action_start()
        partner_cohorts = [partners[i::DEMO_WEEKS] for i in range(DEMO_WEEKS)]
        lead_cohorts = [leads[i::DEMO_WEEKS] for i in range(DEMO_WEEKS)]
        bounced, seen = False, set()
        for week in range(DEMO_WEEKS):
            welcome.enrol(partner_cohorts[week].ids)
            nurture.enrol(lead_cohorts[week].ids)
            self._demo_run(journeys)
            bounced = self._demo_reactions(journeys, rng, seen, bounce=not bounced) or bounced
            if week == 3:
                # two deals are won: the nurture's goal converts them
                won = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
                converted = nurture.participant_ids.filtered(lambda p: p.state == "running")[:2]
                self.env["crm.lead"].browse(converted.mapped("res_id")).write({"stage_id": won.id})
            self._demo_run(journeys)
            if week < DEMO_WEEKS - 1:
                self._demo_age(journeys, timedelta(days=7))
        self.env["marketing.score.rule"]._cron_rescore()
        self.env["marketing.segment"]._cron_refresh()
        # from now on, contacts and leads created or updated later enter as the template says
        self.env.flush_all()
        for journey, trigger in triggers.items():
            journey.write({"trigger": trigger, "date_start": fields.Datetime.now(), "quiet_hours": True})
        return True

    def _demo_journey(self, code, name, **answers):
        template = self.env.ref("marketing_automation_ext.workflow_template_%s" % code)
        # made by the administrator, as a marketer would: sender and responsible are theirs
        admin = self.env.ref("base.user_admin")
        wizard = (
            self.env["marketing.workflow.template.use"]
            .with_user(admin)
            .create({"template_id": template.id, "name": name, **answers})
        )
        return wizard._create_journey()

    def _demo_run(self, journeys):
        """A minute of the crons: touchpoints scored, journeys run, the mail queue delivers."""
        self.env["marketing.event"]._score_pending_now()
        self.env["marketing.workflow"]._run_now()
        mails = (
            self.env["mail.mail"]
            .sudo()
            .search([("mailing_id", "in", journeys.mailing_ids.ids), ("state", "=", "outgoing")])
        )
        for mail in mails:
            # what Odoo's mail queue does once the SMTP server accepted the message
            mail.write({"state": "sent", "message_id": mail.message_id or "<demo-%s@example.com>" % mail.id})
            mail._postprocess_sent_message(success_pids=mail.recipient_ids)
        self.env["marketing.event"]._score_pending_now()
        self.env.flush_all()

    def _demo_reactions(self, journeys, rng, seen, bounce=False):
        """Contacts react to the week's emails through Odoo's tracking: opens, clicks on tracked links, replies."""
        traces = self.env["mailing.trace"].search(
            [
                ("mass_mailing_id", "in", journeys.mailing_ids.ids),
                ("trace_status", "=", "sent"),
                ("id", "not in", list(seen)),
            ],
            order="id",
        )
        seen.update(traces.ids)
        bounced = False
        for trace in traces:
            if bounce and not bounced:
                trace.set_bounced(bounce_message="550 5.1.1 mailbox unavailable")
                bounced = True
                continue
            draw = rng.random()
            if draw < 0.45:
                continue
            trace.set_opened()
            if draw > 0.93 and trace.mass_mailing_id.subject:
                trace.set_replied()
            elif draw > 0.7:
                link = self.env["link.tracker"].search([("mass_mailing_id", "=", trace.mass_mailing_id.id)], limit=1)
                if link:
                    self.env["link.tracker.click"].sudo().add_click(
                        link.code, ip="198.51.100.%d" % (trace.id % 250), country_code="BE", mailing_trace_id=trace.id
                    )
        self.env.flush_all()
        return bounced

    def _demo_age(self, journeys, delta):
        """Move everything of these journeys ``delta`` into the past, as if that time had gone by."""
        mailing_ids = journeys.mailing_ids.ids
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            """UPDATE marketing_workflow_participant SET date_enrolled = date_enrolled - %(d)s,
                      date_done = date_done - %(d)s, create_date = create_date - %(d)s
                WHERE workflow_id = ANY(%(w)s)""",
            {"d": delta, "w": journeys.ids},
        )
        cr.execute(
            """UPDATE marketing_workflow_trace SET schedule_date = schedule_date - %(d)s,
                      expiry_date = expiry_date - %(d)s, date_processed = date_processed - %(d)s,
                      first_due_date = first_due_date - %(d)s, create_date = create_date - %(d)s
                WHERE workflow_id = ANY(%(w)s)""",
            {"d": delta, "w": journeys.ids},
        )
        cr.execute(
            """UPDATE marketing_event SET date = date - %(d)s
                WHERE mailing_trace_id IN (SELECT id FROM mailing_trace WHERE mass_mailing_id = ANY(%(m)s))""",
            {"d": delta, "m": mailing_ids},
        )
        cr.execute(
            """UPDATE mailing_trace SET create_date = create_date - %(d)s, sent_datetime = sent_datetime - %(d)s,
                      open_datetime = open_datetime - %(d)s, reply_datetime = reply_datetime - %(d)s,
                      links_click_datetime = links_click_datetime - %(d)s
                WHERE mass_mailing_id = ANY(%(m)s)""",
            {"d": delta, "m": mailing_ids},
        )
        cr.execute(
            """UPDATE link_tracker_click SET create_date = create_date - %(d)s
                WHERE mass_mailing_id = ANY(%(m)s)""",
            {"d": delta, "m": mailing_ids},
        )
        cr.execute(
            """UPDATE mailing_mailing SET sent_date = sent_date - %(d)s WHERE id = ANY(%(m)s)""",
            {"d": delta, "m": mailing_ids},
        )
        cr.execute(
            """UPDATE marketing_workflow SET date_start = date_start - %(d)s, last_audience_check = NULL
                WHERE id = ANY(%(w)s)""",
            {"d": delta, "w": journeys.ids},
        )
        self.env.invalidate_all()

    def _demo_touchpoints(self, partners, rng):
        """A few months of website visits, form submissions and opens of past newsletters."""
        now = fields.Datetime.now()
        vals_list = []
        for partner in partners:
            engagement = rng.random()
            for number in range(int(engagement * 14)):
                when = now - timedelta(days=rng.randint(1, DEMO_TOUCHPOINT_DAYS), hours=rng.randint(0, 23))
                kind = rng.random()
                if kind < 0.6:
                    vals = {"event_type": "page_view", "url": "https://www.example.com%s" % rng.choice(WEBSITE_PAGES)}
                    vals["dwell_seconds"] = rng.randint(5, 240)
                elif kind < 0.9:
                    vals = {"event_type": "email_open", "channel": "email"}
                else:
                    vals = {"event_type": "form_submit", "url": "https://www.example.com/contactus"}
                vals.update(partner_id=partner.id, date=when, source_key="demo:touchpoint:%s:%s" % (partner.id, number))
                vals_list.append(vals)
        self.env["marketing.event"]._record(vals_list, rescore=False)
