from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from ..models import marketing_score_rule as score_rule_module
from .common import MarketingCommon


@tagged("post_install", "-at_install", "marketing_automation")
class TestScoring(MarketingCommon):
    def test_profile_and_behaviour_with_breakdown(self):
        self.record(self.partner_anna, "email_open")
        self.record(self.partner_anna, "email_click", url="https://example.com/pricing")
        self.assertEqual(self.partner_anna.marketing_score, 7 + 5 + 10)
        self.assertEqual(self.partner_anna.marketing_grade, "warm")
        self.assertEqual(
            self.breakdown(self.partner_anna), {"Has a job position": (7, 0), "Opened": (5, 1), "Clicked": (10, 1)}
        )
        html = self.partner_anna.marketing_score_breakdown
        self.assertIn("Has a job position", html)
        self.assertIn("+10.0", html)
        self.assertEqual(self.breakdown(self.lead_anna), {"Big deal": (12, 0), "Opened": (5, 1), "Clicked": (10, 1)})
        # the history says what moved it
        last = self.partner_anna.marketing_score_history_ids[0]
        self.assertEqual((last.old_score, last.score), (12, 22))
        self.assertIn("Email clicked", last.reason)
        self.assertEqual(last.event_id.event_type, "email_click")

    def test_cap_and_negative_points(self):
        for i in range(6):
            self.record(self.partner_bob, "email_open", source_key="open-%s" % i)
        self.assertEqual(self.partner_bob.marketing_score, 20, "six opens of 5 are capped at 20")
        self.record(self.partner_bob, "email_bounce")
        self.assertEqual(self.partner_bob.marketing_score, 5)

    def test_filters_window_and_url(self):
        rule = self.env["marketing.score.rule"].create(
            {
                "name": "Pricing page",
                "rule_type": "behaviour",
                "event_type": "page_view",
                "url_pattern": "*/pricing*",
                "points": 9,
                "window_days": 30,
                "half_life_days": 0,
            }
        )
        self.record(self.partner_bob, "page_view", url="https://example.com/blog")
        self.assertEqual(self.partner_bob.marketing_score, 0)
        self.record(self.partner_bob, "page_view", url="https://example.com/pricing?plan=pro")
        self.assertEqual(self.partner_bob.marketing_score, 9)
        old = fields.Datetime.now() - timedelta(days=45)
        self.record(self.partner_bob, "page_view", url="https://example.com/pricing", date=old)
        self.assertEqual(self.partner_bob.marketing_score, 9, "outside the 30-day window")
        self.assertEqual(self.breakdown(self.partner_bob)[rule.name], (9, 1))

    def test_decay_after_half_lives(self):
        self.rule_click.half_life_days = 10
        now = fields.Datetime.now()
        self.record(self.partner_bob, "email_click", date=now)
        self.assertEqual(self.partner_bob.marketing_score, 10)
        # read here, the contact's list of history lines must still show the nightly pass's line below
        self.assertEqual(self.partner_bob.marketing_score_history_ids[0].score, 10)
        with freeze_time(now + timedelta(days=20)):
            self.env["marketing.score.rule"]._cron_rescore()
            self.assertEqual(self.partner_bob.marketing_score, 3, "10 points after two half-lives: 2.5, rounded")
            history = self.partner_bob.marketing_score_history_ids[0]
            self.assertEqual((history.old_score, history.score), (10, 3))
            self.assertEqual(history.reason, "Nightly recompute")
        with freeze_time(now + timedelta(days=100)):
            self.env["marketing.score.rule"]._cron_rescore()
            self.assertEqual(self.partner_bob.marketing_score, 0)

    def _stored_scores(self):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT 'p', id, marketing_score, marketing_grade FROM res_partner"
            " UNION ALL SELECT 'l', id, marketing_score, marketing_grade FROM crm_lead ORDER BY 1, 2"
        )
        return self.env.cr.fetchall()

    def test_nightly_pass_goes_in_chunks_and_ends_as_one_pass(self):
        """Run by the cron, the recompute takes a few contacts (and their leads) per call and the
        framework calls again until it is through; a rule saved mid-pass starts it over."""
        Rule = self.env["marketing.score.rule"]
        params = self.env["ir.config_parameter"].sudo()
        orphan = self.env["crm.lead"].create({"name": "No contact yet", "expected_revenue": 50000})
        self.record(self.partner_anna, "email_open")
        self.record(self.partner_bob, "email_click")
        Rule._rescore()
        expected = self._stored_scores()
        self.assertIn(("l", orphan.id, 12, "cold"), expected, "a lead without a contact is scored too")
        self.env.cr.execute("UPDATE res_partner SET marketing_score = marketing_score + 3")
        self.env.cr.execute("UPDATE crm_lead SET marketing_score = marketing_score + 3")
        self.env.invalidate_all()
        cron = self.env.ref("marketing_automation_ext.ir_cron_marketing_rescore")
        progress = self.env["ir.cron.progress"].create({"cron_id": cron.id})
        as_cron = Rule.with_context(ir_cron_progress_id=progress.id)
        self.env.cr.execute("SELECT id FROM res_partner ORDER BY id")
        partner_ids = [row[0] for row in self.env.cr.fetchall()]

        as_cron._cron_rescore(chunk_size=10)
        self.assertEqual(params.get_param("marketing_automation_ext.rescore_after_id"), str(partner_ids[9]))
        self.assertEqual((progress.done, progress.remaining), (10, len(partner_ids) - 10 + 1))
        self.assertNotEqual(self._stored_scores(), expected, "one call does one chunk")
        # a rule saved now: the pass starts over with it
        self.rule_click.points = 11
        self.assertEqual(params.get_param("marketing_automation_ext.rescore_after_id"), "0")
        self.rule_click.points = 10
        calls = 0
        while calls < 100:
            calls += 1
            as_cron._cron_rescore(chunk_size=10)
            if params.get_param("marketing_automation_ext.rescore_after_id") == "0":
                break
        self.assertEqual(calls, -(-len(partner_ids) // 10) + 1, "one call per chunk, then the contactless leads")
        # a cursor edited by hand into nonsense starts the pass over instead of failing the cron
        params.set_param("marketing_automation_ext.rescore_after_id", "oops")
        as_cron._cron_rescore(chunk_size=10)
        self.assertEqual(params.get_param("marketing_automation_ext.rescore_after_id"), str(partner_ids[9]))
        self.assertEqual(self._stored_scores(), expected)
        nightly = self.env["marketing.score.history"].search(
            [("reason", "=", "Nightly recompute"), ("partner_id", "=", self.partner_anna.id)]
        )
        self.assertEqual(len(nightly), 1, "rescored once in the pass that finished")

    def test_recompute_button_goes_to_the_background_on_a_big_base(self):
        Rule = self.env["marketing.score.rule"].with_user(self.user_ma_manager)
        params = self.env["ir.config_parameter"].sudo()
        cron = self.env.ref("marketing_automation_ext.ir_cron_marketing_rescore")
        self.record(self.partner_anna, "email_open")
        self.env["marketing.score.rule"]._rescore()
        expected = self._stored_scores()
        self.env.cr.execute("UPDATE res_partner SET marketing_score = marketing_score + 3")
        self.env.invalidate_all()
        stale = self._stored_scores()
        # a base bigger than one chunk: the button starts the chunked pass and says so
        params.set_param("marketing_automation_ext.rescore_after_id", 7)
        self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]).unlink()
        with patch.object(score_rule_module, "RESCORE_CHUNK", 5):
            action = Rule.action_rescore_all()
        self.assertIn("in the background", action["params"]["message"])
        self.assertEqual(self._stored_scores(), stale, "nothing recomputed in the request")
        self.assertEqual(params.get_param("marketing_automation_ext.rescore_after_id"), "0", "a fresh pass")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]), "the cron is called now")
        self.env["marketing.score.rule"]._cron_rescore()
        self.assertEqual(self._stored_scores(), expected)
        # a base within one chunk (this one): recomputed in the request
        self.env.cr.execute("UPDATE res_partner SET marketing_score = marketing_score + 3")
        self.env.invalidate_all()
        action = Rule.action_rescore_all()
        self.assertEqual(action["params"]["message"], "Scores recomputed.")
        self.assertEqual(self._stored_scores(), expected)

    def test_records_given_by_a_query_say_what_they_need(self):
        Rule = self.env["marketing.score.rule"]
        chunk = score_rule_module.IdRange(0, self.partner_anna.id)
        with self.assertRaisesRegex(ValueError, "need their contacts"):
            Rule._rescore(partner_ids=chunk, lead_ids=[])
        with self.assertRaisesRegex(ValueError, "refresh_segments=False"):
            Rule._rescore(partner_ids=chunk, lead_ids=score_rule_module.LeadsOfContacts(chunk), contacts=chunk)
        self.record(self.partner_anna, "email_open")
        self.env.cr.execute("UPDATE res_partner SET marketing_score = 0 WHERE id = %s", [self.partner_anna.id])
        self.env.invalidate_all()
        Rule._rescore(
            partner_ids=chunk,
            lead_ids=score_rule_module.LeadsOfContacts(chunk),
            contacts=chunk,
            refresh_segments=False,
        )
        self.assertEqual(self.partner_anna.marketing_score, 7 + 5, "job position and the open")

    def test_full_rescore_gives_the_planner_the_rules_as_they_are(self):
        Rule = self.env["marketing.score.rule"]

        def planned_rules():
            self.env.cr.execute("EXPLAIN (FORMAT JSON) SELECT id FROM marketing_score_rule")
            return self.env.cr.fetchone()[0][0]["Plan"]["Plan Rows"]

        guessed = planned_rules()
        Rule.create([{"name": "Read %d" % index, "event_type": "email_open", "points": 1} for index in range(7)])
        Rule.flush_model()
        self.env.cr.execute("SELECT count(*) FROM marketing_score_rule")
        rules = self.env.cr.fetchone()[0]
        self.assertNotEqual(guessed, rules)
        Rule._cron_rescore()
        # the planner's idea of the rules table is the rows there are, not a guess or an old count
        self.assertEqual(planned_rules(), rules)

    def test_incremental_equals_full(self):
        for partner, kind in [
            (self.partner_anna, "email_open"),
            (self.partner_anna, "email_reply"),
            (self.partner_bob, "email_click"),
            (self.partner_bob, "email_open"),
        ]:
            self.record(partner, kind)
        lead_bob = self.env["crm.lead"].create(
            {"name": "Bob lead", "partner_id": self.partner_bob.id, "expected_revenue": 50000}
        )
        # a lead without a contact only has events of its own
        lead_orphan = self.env["crm.lead"].create({"name": "Walk-in", "expected_revenue": 20000})
        self.env["marketing.event"].record_event("email_click", lead_id=lead_orphan.id)
        self.env["marketing.event"].record_event("email_open", lead_id=lead_orphan.id)
        # a lead whose own event names another contact counts it on top of its contact's
        self.env["marketing.event"].record_event(
            "email_reply", lead_id=self.lead_anna.id, partner_id=self.partner_bob.id
        )
        records = [self.partner_anna, self.partner_bob, self.lead_anna, lead_bob, lead_orphan]
        incremental = {(rec._name, rec.id): rec.marketing_score for rec in records}
        self.env.cr.execute(
            "UPDATE res_partner SET marketing_score = 0 WHERE id IN %s", [(self.partner_anna.id, self.partner_bob.id)]
        )
        self.env["marketing.score.rule"]._rescore()
        full = {(rec._name, rec.id): rec.marketing_score for rec in records}
        self.assertEqual(incremental, full)
        self.assertEqual(full[("crm.lead", lead_bob.id)], 12 + 10 + 5 + 20)
        self.assertEqual(full[("crm.lead", lead_orphan.id)], 12 + 10 + 5)
        self.assertEqual(full[("crm.lead", self.lead_anna.id)], 12 + 5 + 20 + 20)
        # the nightly pass, a few contacts and their leads at a time, then the contactless leads
        self.env.cr.execute("UPDATE res_partner SET marketing_score = 0")
        self.env.cr.execute("UPDATE crm_lead SET marketing_score = 0")
        self.env.invalidate_all()
        self.env["marketing.score.rule"]._cron_rescore(chunk_size=2)
        self.assertEqual({(rec._name, rec.id): rec.marketing_score for rec in records}, full)
        # the breakdown a user reads adds up to the stored score
        for rec in records:
            total = sum(points for points, _events in self.breakdown(rec).values())
            self.assertEqual(round(total), rec.marketing_score, rec.display_name)

    def test_thresholds_regrade(self):
        self.record(self.partner_anna, "email_reply")  # 7 + 20 = 27: warm
        self.assertEqual(self.partner_anna.marketing_grade, "warm")
        settings = self.env["res.config.settings"].create({"marketing_grade_warm": 10, "marketing_grade_hot": 25})
        settings.execute()
        self.assertEqual(self.partner_anna.marketing_grade, "hot")
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].create({"marketing_grade_warm": 40, "marketing_grade_hot": 30})

    def test_rule_validation(self):
        Rule = self.env["marketing.score.rule"].with_user(self.user_ma_manager)
        with self.assertRaisesRegex(ValidationError, "not a valid domain"):
            Rule.create(
                {
                    "name": "Broken",
                    "rule_type": "profile",
                    "model_name": "res.partner",
                    "domain": "[('name', '=', ",
                    "points": 5,
                }
            )
        with self.assertRaisesRegex(ValidationError, "does not apply"):
            Rule.create(
                {
                    "name": "Missing field",
                    "rule_type": "profile",
                    "model_name": "res.partner",
                    "domain": "[('no_such_field', '=', 1)]",
                    "points": 5,
                }
            )
        with self.assertRaisesRegex(ValidationError, "between"):
            Rule.create({"name": "Huge", "rule_type": "behaviour", "event_type": "email_open", "points": 100000})
        with self.assertRaisesRegex(ValidationError, "needs an event type"):
            Rule.create({"name": "No type", "rule_type": "behaviour", "points": 5})
        # a good one saves through the form as a manager fills it
        form = Form(Rule)
        form.name = "Works in Belgium"
        form.rule_type = "profile"
        form.model_name = "res.partner"
        form.domain = "[('country_id.code', '=', 'BE')]"
        form.points = 4
        rule = form.save()
        self.assertTrue(rule.id)
        self.assertEqual(self.partner_anna.marketing_score, 7, "nothing rescored on the request path")
