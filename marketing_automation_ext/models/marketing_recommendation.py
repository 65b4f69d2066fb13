import json
import logging

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib.channel import ChannelHistory, preferred_channel
from ..lib.send_time import SendTimePrior, best_send_slot, contact_zone, population_prior
from .cron_batch import run_batch_or_postpone

_logger = logging.getLogger(__name__)

PRIOR_PARAM = "marketing_automation_ext.send_time_prior"
SENT_TYPES = ("email_sent",)
READ_TYPES = ("email_open", "email_click", "email_reply")
# what the recommendations read: a new touchpoint of these kinds makes a contact due again
HISTORY_TYPES = SENT_TYPES + READ_TYPES + ("sms_sent", "sms_click", "activity_done", "blacklist", "unsubscribe")
BATCH = 5000
PRIOR_CONTACTS = 200  # a population prior learned from this many readers counts half


class MarketingRecommendation(models.AbstractModel):
    """Best send time and preferred channel per contact, learned from the touchpoint log.

    The cron takes the contacts whose history or address changed since their last
    recommendation (all of them the first time), a batch at a time: one query gathers
    their sends, reads and per-channel counts, the pure functions in ``lib/send_time.py``
    and ``lib/channel.py`` decide, and one UPDATE writes the batch.
    """

    _name = "marketing.recommendation"
    _description = "Marketing Send Time and Channel Recommendations"

    @api.model
    def _cron_recompute(self, batch_size=BATCH):
        """One batch of due contacts; the cron framework calls again while some remain."""
        return run_batch_or_postpone(
            self.env,
            "marketing_automation_ext.ir_cron_marketing_recommendations",
            lambda: self._recompute_batch(batch_size),
        )

    @api.model
    def _recompute_batch(self, batch_size):
        now = fields.Datetime.now()
        self.env.cr.execute("SET LOCAL jit = off")
        stored = self.env["ir.config_parameter"].sudo().get_param(PRIOR_PARAM)
        if not stored or stored.lstrip().startswith("["):
            # none yet, or stored before the scatter law was learned (a bare list of weights)
            self._store_population_prior(now)
        partner_ids = self._due_partner_ids(batch_size)
        if partner_ids:
            self._recompute(partner_ids, now)
        self.env.cr.execute(SQL("SELECT count(*) FROM (%s) due", self._due_query(batch_size)))
        remaining = self.env.cr.fetchone()[0]
        self.env["ir.cron"]._notify_progress(done=len(partner_ids), remaining=remaining)
        return remaining

    @api.model
    def _cron_refresh_prior(self):
        """Weekly: where the population reads is learned again, and every contact is due again."""
        self._store_population_prior(fields.Datetime.now())
        self.env.cr.execute(
            "UPDATE res_partner SET marketing_send_time_date = NULL WHERE marketing_send_time_date IS NOT NULL"
        )
        self.env["res.partner"].invalidate_model(["marketing_send_time_date"])
        self.env.ref("marketing_automation_ext.ir_cron_marketing_recommendations")._trigger()

    @api.model
    def _recompute_due_now(self):
        """Every due contact, in this transaction (tests, the "Recompute" button)."""
        while self._cron_recompute():
            pass
        return True

    # ------------------------------------------------------------------

    def _due_query(self, limit):
        due = SQL(
            """p.marketing_send_time_date IS NULL OR p.write_date > p.marketing_send_time_date
               OR EXISTS (SELECT 1 FROM marketing_event e
                           WHERE e.partner_id = p.id AND e.event_type IN %s
                                 AND e.create_date > p.marketing_send_time_date)""",
            HISTORY_TYPES,
        )
        return SQL(
            "SELECT p.id FROM res_partner p WHERE p.active AND (%s) ORDER BY p.id LIMIT %s",
            due,
            limit,
        )

    def _due_partner_ids(self, limit):
        # NO KEY UPDATE: claims the contacts against other workers of this cron without blocking
        # (then failing) the journeys and mails that link to them meanwhile (their foreign keys
        # take KEY SHARE locks, which FOR UPDATE would conflict with)
        self.env.cr.execute(SQL("%s FOR NO KEY UPDATE OF p SKIP LOCKED", self._due_query(limit)))
        return [row[0] for row in self.env.cr.fetchall()]

    def _histories(self, partner_ids):
        """{partner id: (sends, reads)} of email, UTC naive datetimes."""
        self.env.cr.execute(
            """SELECT partner_id,
                      COALESCE(array_agg(date) FILTER (WHERE event_type IN %s), '{}'),
                      COALESCE(array_agg(date) FILTER (WHERE event_type IN %s), '{}')
                 FROM marketing_event
                WHERE partner_id = ANY(%s) AND event_type IN %s
                GROUP BY partner_id""",
            [SENT_TYPES, READ_TYPES, list(partner_ids), SENT_TYPES + READ_TYPES],
        )
        return {partner_id: (sends, reads) for partner_id, sends, reads in self.env.cr.fetchall()}

    def _store_population_prior(self, now):
        """Where everybody reads, per local hour of the week (exposure corrected), for thin histories,
        and how far reads stray from a habit's hour (``SendTimePrior``, stored as JSON)."""
        self.env.cr.execute(
            """SELECT DISTINCT partner_id FROM marketing_event
                WHERE event_type IN %s AND partner_id IS NOT NULL""",
            [READ_TYPES],
        )
        readers = [row[0] for row in self.env.cr.fetchall()]
        zones = self._zones(readers)
        histories = []
        for start in range(0, len(readers), BATCH):
            chunk = readers[start : start + BATCH]
            for partner_id, (sends, reads) in self._histories(chunk).items():
                histories.append((sends, reads, zones.get(partner_id)))
        prior = population_prior(histories, now=now) if histories else None
        if prior:
            # learned from a handful of contacts it would be too sure of itself: mixed with a flat one
            # (and the default scatter law)
            prior = prior.blended(len(histories) / (len(histories) + PRIOR_CONTACTS))
        self.env["ir.config_parameter"].sudo().set_param(PRIOR_PARAM, json.dumps(prior.to_json()) if prior else "")

    def _prior(self):
        """The stored ``SendTimePrior``; a bare list of 168 weights (stored by older versions) reads with
        the default scatter law; None when nothing (valid) is stored."""
        raw = self.env["ir.config_parameter"].sudo().get_param(PRIOR_PARAM)
        try:
            return SendTimePrior.from_json(json.loads(raw)) if raw else None
        except ValueError:
            return None

    def _zones(self, partner_ids):
        """{partner id: IANA zone}: its own, else its country's main zone, else the company's."""
        company_tz = self.env.user.tz or self.env.company.partner_id.tz or "UTC"
        self.env.cr.execute(
            """SELECT p.id, p.tz, c.code FROM res_partner p LEFT JOIN res_country c ON c.id = p.country_id
                WHERE p.id = ANY(%s)""",
            [list(partner_ids)],
        )
        return {pid: contact_zone(tz, code, company_tz) for pid, tz, code in self.env.cr.fetchall()}

    def _channel_stats(self, partner_ids):
        """{partner id: {channel: ChannelHistory}} from the log and the contact's addresses."""
        bounce_limit = int(self.env["ir.config_parameter"].sudo().get_param("marketing_automation_ext.bounce_limit", 3))
        self.env.cr.execute(
            """SELECT p.id,
                      p.email_normalized IS NOT NULL AND p.email_normalized != '',
                      EXISTS (SELECT 1 FROM mail_blacklist b WHERE b.email = p.email_normalized AND b.active),
                      %s > 0 AND COALESCE(p.message_bounce, 0) >= %s,
                      p.phone_sanitized IS NOT NULL AND p.phone_sanitized != '',
                      EXISTS (SELECT 1 FROM phone_blacklist b WHERE b.number = p.phone_sanitized AND b.active),
                      COALESCE(ev.email_sent, 0), COALESCE(ev.email_read, 0),
                      COALESCE(ev.sms_sent, 0), COALESCE(ev.sms_read, 0), COALESCE(ev.calls, 0)
                 FROM res_partner p
                 LEFT JOIN LATERAL (
                      SELECT count(*) FILTER (WHERE e.event_type = 'email_sent') AS email_sent,
                             count(DISTINCT COALESCE(e.mailing_trace_id, -e.id))
                                 FILTER (WHERE e.event_type IN ('email_open', 'email_click', 'email_reply'))
                                 AS email_read,
                             count(*) FILTER (WHERE e.event_type = 'sms_sent') AS sms_sent,
                             count(DISTINCT COALESCE(e.mailing_trace_id, -e.id))
                                 FILTER (WHERE e.event_type = 'sms_click') AS sms_read,
                             count(*) FILTER (WHERE e.event_type = 'activity_done'
                                              AND e.payload->>'category' IN ('phonecall', 'meeting')) AS calls
                        FROM marketing_event e
                       WHERE e.partner_id = p.id
                         AND e.event_type IN ('email_sent', 'email_open', 'email_click', 'email_reply',
                                              'sms_sent', 'sms_click', 'activity_done')
                 ) ev ON TRUE
                WHERE p.id = ANY(%s)""",
            [bounce_limit, bounce_limit, list(partner_ids)],
        )
        stats = {}
        for row in self.env.cr.fetchall():
            pid, has_email, email_listed, bounces, has_phone, phone_listed = row[:6]
            email_sent, email_read, sms_sent, sms_read, calls = row[6:]
            stats[pid] = {
                "email": ChannelHistory(
                    reachable=has_email and not email_listed and not bounces,
                    tries=email_sent,
                    answers=email_read,
                    why_unreachable="no address" if not has_email else "blacklisted" if email_listed else "bounces",
                ),
                "sms": ChannelHistory(
                    reachable=has_phone and not phone_listed,
                    tries=sms_sent,
                    answers=sms_read,
                    why_unreachable="no number" if not has_phone else "blacklisted",
                ),
                "phone": ChannelHistory(reachable=has_phone, tries=calls, answers=calls, why_unreachable="no number"),
            }
        return stats

    def _recompute(self, partner_ids, now):
        zones = self._zones(partner_ids)
        histories = self._histories(partner_ids)
        stats = self._channel_stats(partner_ids)
        prior = self._prior()
        rows = []
        for partner_id in partner_ids:
            sends, reads = histories.get(partner_id, ((), ()))
            zone = zones.get(partner_id) or "UTC"
            if reads or prior:
                slot = best_send_slot(sends, reads, zone, prior=prior, now=now)
                weekday, hour, confidence = slot.weekday, slot.hour, slot.confidence
            else:
                weekday, hour, confidence = -1, 0, 0.0
            choice = preferred_channel(stats.get(partner_id, {}))
            rows.append(
                SQL(
                    "(%s, %s, %s, %s, %s, %s, %s)",
                    partner_id,
                    weekday,
                    hour,
                    round(confidence, 3),
                    zone,
                    choice.channel,
                    choice.reason[:250],
                )
            )
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """UPDATE res_partner p
                      SET marketing_best_weekday = v.weekday, marketing_best_hour = v.hour,
                          marketing_best_confidence = v.confidence, marketing_best_tz = v.zone,
                          marketing_preferred_channel = v.channel, marketing_channel_reason = v.reason,
                          marketing_send_time_date = %s
                     FROM (VALUES %s) AS v(id, weekday, hour, confidence, zone, channel, reason)
                    WHERE p.id = v.id""",
                now,
                SQL(", ").join(rows),
            )
        )
        self.env["res.partner"].invalidate_model(
            [
                "marketing_best_weekday",
                "marketing_best_hour",
                "marketing_best_confidence",
                "marketing_best_tz",
                "marketing_preferred_channel",
                "marketing_channel_reason",
                "marketing_send_time_date",
            ]
        )
