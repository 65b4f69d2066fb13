"""Best send time and preferred channel, learned by the cron from recorded touchpoints."""

import json
from datetime import datetime, timedelta

import pytz

from odoo import fields
from odoo.tests import tagged

from ..lib.send_time import DEFAULT_SCATTER, SCATTER_HOURS
from ..models.marketing_recommendation import PRIOR_PARAM
from .common import MarketingCommon


def utc_of(zone, local):
    return pytz.timezone(zone).localize(local).astimezone(pytz.utc).replace(tzinfo=None)


@tagged("post_install", "-at_install", "marketing_automation")
class TestRecommendations(MarketingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Recommendation = cls.env["marketing.recommendation"]
        cls.Event = cls.env["marketing.event"].sudo()
        cls.monday = datetime.combine(fields.Date.today(), datetime.min.time()) - timedelta(
            days=fields.Date.today().weekday() + 7
        )

    def _log(self, partner, event_type, dates):
        self.Event._record(
            [{"event_type": event_type, "partner_id": partner.id, "date": date} for date in dates], rescore=False
        )

    def test_night_reader_in_tokyo_despite_morning_sends(self):
        reader = self.env["res.partner"].create(
            {"name": "Night Owl", "email": "owl@example.jp", "tz": "Asia/Tokyo", "phone": "+81 3 1234 5678"}
        )
        weeks = [self.monday - timedelta(weeks=w) for w in range(10)]
        # every message went out on Tuesday 10:00 Brussels; a third were glanced at on delivery
        sends = [utc_of("Europe/Brussels", week + timedelta(days=1, hours=10)) for week in weeks]
        reads = [
            utc_of("Asia/Tokyo", week + timedelta(days=3, hours=23, minutes=10 + 3 * n)) for n, week in enumerate(weeks)
        ]
        glances = [send + timedelta(minutes=20) for send in sends[::3]]
        self._log(reader, "email_sent", sends)
        self._log(reader, "email_open", reads + glances)
        self.Recommendation._recompute_due_now()
        self.assertEqual((reader.marketing_best_weekday, reader.marketing_best_hour), (3, 23))
        self.assertEqual(reader.marketing_best_tz, "Asia/Tokyo")
        self.assertGreater(reader.marketing_best_confidence, 0.4)
        self.assertTrue(reader.marketing_best_time.startswith("Thu 23:00–00:00 (Asia/Tokyo), confidence"))
        # the sales team sees it on the contact's lead too
        lead = self.env["crm.lead"].create({"name": "Owl's deal", "partner_id": reader.id})
        self.assertEqual(lead.marketing_best_time, reader.marketing_best_time)

        # the heatmap counts what was recorded, in the contact's local time
        counts = self.env["res.partner"]._marketing_heatmap_counts([reader.id], "Asia/Tokyo")
        expected = {}
        for moment in reads + glances:
            local = pytz.utc.localize(moment).astimezone(pytz.timezone("Asia/Tokyo"))
            expected[(local.weekday(), local.hour)] = expected.get((local.weekday(), local.hour), 0) + 1
        self.assertEqual(counts, expected)
        self.assertIn(">10<", str(reader.marketing_engagement_heatmap), "ten Thursday 23:00 reads in one cell")

    def test_channel_follows_the_history_and_never_a_closed_channel(self):
        caller = self.env["res.partner"].create(
            {"name": "Caller", "email": "caller@example.com", "phone": "+32 2 555 00 11"}
        )
        self._log(caller, "email_sent", [self.monday - timedelta(days=d) for d in range(12)])
        call_type = self.env.ref("mail.mail_activity_data_call")
        for n in range(4):
            activity = self.env["mail.activity"].create(
                {
                    "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                    "res_id": caller.id,
                    "activity_type_id": call_type.id,
                    "summary": "Call %s" % n,
                    "user_id": self.env.user.id,
                }
            )
            activity.action_done()
        opted_out = self.env["res.partner"].create(
            {"name": "No texts", "email": "notexts@example.com", "phone": "+32 456 00 99 99"}
        )
        self.env["phone.blacklist"].sudo()._add([opted_out.phone_sanitized])
        self._log(opted_out, "sms_sent", [self.monday - timedelta(days=d) for d in range(6)])
        self._log(opted_out, "sms_click", [self.monday - timedelta(days=d, hours=-1) for d in range(6)])
        listed = self.env["res.partner"].create({"name": "Listed", "email": "listed@example.com"})
        self.env["mail.blacklist"].sudo()._add("listed@example.com")
        unreachable = self.env["res.partner"].create({"name": "Nobody"})
        texter = self.env["res.partner"].create(
            {"name": "Texter", "email": "texter@example.com", "phone": "+32 456 00 77 88"}
        )
        self._log(texter, "sms_sent", [self.monday - timedelta(days=d) for d in range(6)])
        self._log(texter, "sms_click", [self.monday - timedelta(days=d, hours=-1) for d in range(5)])
        self._log(texter, "email_sent", [self.monday - timedelta(days=d) for d in range(6)])
        self.env["marketing.event"]._score_pending_now()

        self.Recommendation._recompute_due_now()
        self.assertEqual(caller.marketing_preferred_channel, "phone")
        self.assertEqual(caller.marketing_channel_reason, "prefers phone: 4 calls answered, 0 of 12 emails opened")
        self.assertEqual(texter.marketing_preferred_channel, "sms")
        self.assertFalse(listed.marketing_preferred_channel, "blacklisted email and no phone")
        self.assertEqual(
            listed.marketing_channel_reason, "no channel: email: blacklisted; sms: no number; phone: no number"
        )
        self.assertFalse(unreachable.marketing_preferred_channel)
        self.assertNotEqual(opted_out.marketing_preferred_channel, "sms", "opted out of texts: never SMS")
        self.assertIn("sms: blacklisted", opted_out.marketing_channel_reason)

        # filters and grouping on the preferred channel
        Partner = self.env["res.partner"]
        self.assertIn(caller, Partner.search([("marketing_preferred_channel", "=", "phone")]))
        groups = dict(
            Partner._read_group([("id", "in", (caller | texter).ids)], ["marketing_preferred_channel"], ["__count"])
        )
        self.assertEqual(groups, {"phone": 1, "sms": 1})

    def test_only_contacts_with_news_are_recomputed(self):
        partner = self.env["res.partner"].create({"name": "Quiet", "email": "quiet@example.com"})
        self.Recommendation._recompute_due_now()
        self.assertTrue(partner.marketing_send_time_date)
        self.env.flush_all()
        self.assertNotIn(partner.id, self.Recommendation._due_partner_ids(100000))
        self._log(partner, "email_open", [fields.Datetime.now()])
        self.env.cr.execute(
            "UPDATE marketing_event SET create_date = create_date + INTERVAL '1 day' WHERE partner_id = %s",
            [partner.id],
        )
        self.assertIn(partner.id, self.Recommendation._due_partner_ids(100000), "a new open makes it due again")

    def test_population_prior_stored_with_its_scatter_law(self):
        """The prior is stored as JSON with the learned scatter law; one stored by an older version (168
        bare weights) is still read, and learned again with its scatter law at the next recompute."""
        Param = self.env["ir.config_parameter"].sudo()
        older = [1.0] * 168
        older[3 * 24 + 23] = 5.0
        Param.set_param(PRIOR_PARAM, json.dumps(older))
        prior = self.Recommendation._prior()
        self.assertEqual(prior.scatter, DEFAULT_SCATTER)
        self.assertEqual(max(range(168), key=prior.weights.__getitem__), 3 * 24 + 23)

        reader = self.env["res.partner"].create(
            {"name": "Punctual", "email": "punctual@example.jp", "tz": "Asia/Tokyo"}
        )
        weeks = [self.monday - timedelta(weeks=w) for w in range(8)]
        self._log(
            reader, "email_sent", [utc_of("Europe/Brussels", week + timedelta(days=1, hours=10)) for week in weeks]
        )
        self._log(
            reader,
            "email_open",
            [utc_of("Asia/Tokyo", week + timedelta(days=3, hours=23, minutes=5)) for week in weeks],
        )
        self.Recommendation._recompute_due_now()
        stored = json.loads(Param.get_param(PRIOR_PARAM))
        self.assertEqual(set(stored), {"weights", "scatter"})
        self.assertEqual(len(stored["weights"]), 168)
        self.assertEqual(len(stored["scatter"]), 2 * SCATTER_HOURS + 1)
        learned = self.Recommendation._prior()
        # learned from few contacts, it is mostly the default law, nudged towards these punctual reads
        self.assertGreater(learned.scatter[SCATTER_HOURS], DEFAULT_SCATTER[SCATTER_HOURS])
        self.assertEqual((reader.marketing_best_weekday, reader.marketing_best_hour), (3, 23))

        for garbage in ("not json", json.dumps([1.0] * 24), json.dumps({"weights": "x"})):
            Param.set_param(PRIOR_PARAM, garbage)
            self.assertIsNone(self.Recommendation._prior(), garbage)
