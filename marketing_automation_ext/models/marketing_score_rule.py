import json
import logging

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression
from odoo.tools import SQL

from ..lib.domains import check_domain_applies, evaluate_domain
from ..lib.scoring import points_error, url_pattern_to_like
from .cron_batch import run_batch_or_postpone
from .marketing_event import CHANNELS, EVENT_TYPES

_logger = logging.getLogger(__name__)

# The full recompute (nightly, and after a rule change) goes this many contacts, with their leads,
# per transaction: one transaction over the whole base would have to find a quiet spell as long
# as the job (minutes at a few 100,000 records) in which nobody changes any contact or lead.
RESCORE_CHUNK = 20000
# the last contact id the pass in progress has rescored (0: no pass in progress)
RESCORE_CURSOR = "marketing_automation_ext.rescore_after_id"

SCORED_MODELS = [("res.partner", "Contact"), ("crm.lead", "Lead")]
# Per scored model: its table, its column on marketing_score_line and history.
# A rule's points from its uncapped total ``s.total``, capped in the direction of its sign.
CAPPED = SQL(
    "CASE WHEN COALESCE(r.max_points, 0) > 0 THEN GREATEST(-r.max_points, LEAST(r.max_points, s.total))"
    " ELSE s.total END"
)
TARGETS = {
    "res.partner": {"table": "res_partner", "column": "partner_id"},
    "crm.lead": {"table": "crm_lead", "column": "lead_id"},
}


class IdRange:
    """The ids above ``low`` up to ``high``: a nightly chunk of contacts, as a range (thousands
    of ids written out cost the planner more than the work; a subquery may be joined badly)."""

    def __init__(self, low, high):
        self.low, self.high = low, high


class LeadsOfContacts:
    """The leads of the contacts in ``contacts`` (an ``IdRange``), or with None the leads without a
    contact: a nightly chunk's leads. Filtered on each lead's own ``partner_id`` (``record_in``):
    as a subquery of ids, the planner scanned every lead for each statement that used it."""

    def __init__(self, contacts):
        self.contacts = contacts

    def where(self, alias):
        partner = SQL.identifier(alias, "partner_id")
        if self.contacts is None:
            return SQL("%s IS NULL", partner)
        return id_in(partner, self.contacts)


def is_query(ids):
    return isinstance(ids, (SQL, IdRange, LeadsOfContacts))


def id_in(column, ids):
    """SQL of ``column`` among ``ids``: a list of ids, an ``IdRange``, ``LeadsOfContacts`` or an
    SQL query selecting them."""
    if isinstance(ids, IdRange):
        return SQL("(%s > %s AND %s <= %s)", column, ids.low, column, ids.high)
    if isinstance(ids, LeadsOfContacts):
        return SQL("%s IN (SELECT id FROM crm_lead WHERE %s)", column, ids.where("crm_lead"))
    if isinstance(ids, SQL):
        return SQL("%s IN (%s)", column, ids)
    return SQL("%s = ANY(%s)", column, list(ids))


def record_in(alias, ids):
    """SQL of the record of table alias ``alias`` being among ``ids`` (see ``id_in``)."""
    if isinstance(ids, LeadsOfContacts):
        return ids.where(alias)
    return id_in(SQL.identifier(alias, "id"), ids)


def many(ids):
    """Whether ``ids`` (None: all) stands for many records."""
    return ids is None or is_query(ids) or len(ids) > 1000


class MarketingScoreRule(models.Model):
    """A rule that gives points: to a record matching a domain (profile) or
    for each matching touchpoint in the event log (behaviour)."""

    _name = "marketing.score.rule"
    _description = "Marketing Score Rule"
    _order = "rule_type, sequence, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    rule_type = fields.Selection(
        [("profile", "Profile (who they are)"), ("behaviour", "Behaviour (what they do)")],
        required=True,
        default="behaviour",
    )
    points = fields.Integer(required=True, default=5, help="Negative points lower the score.")
    # profile
    model_name = fields.Selection(
        SCORED_MODELS,
        string="Applies To",
        default="res.partner",
        help="Profile rules test a domain on contacts or on leads.",
    )
    domain = fields.Char(default="[]", help="Records matching this domain get the points.")
    # behaviour
    event_type = fields.Selection(EVENT_TYPES)
    channel = fields.Selection(CHANNELS, help="Only count events of this channel (empty: any).")
    url_pattern = fields.Char(
        "URL Pattern",
        help="Only count events whose URL contains this text; use * as a wildcard, e.g. */pricing*.",
    )
    campaign_id = fields.Many2one("utm.campaign", string="Campaign", ondelete="cascade")
    max_points = fields.Integer(
        "Cap", default=0, help="At most this many points (in absolute value) per contact or lead; 0 = no cap."
    )
    window_days = fields.Integer("Window (days)", default=0, help="Only count events of the last N days; 0 = all time.")
    half_life_days = fields.Integer(
        "Half-life (days)",
        default=90,
        help="An event's points halve every N days; 0 = points never decay.",
    )
    url_like = fields.Char(compute="_compute_url_like", store=True)

    _sql_constraints = [
        ("window_positive", "CHECK(window_days >= 0)", "The window is a number of days, 0 or more."),
        ("half_life_positive", "CHECK(half_life_days >= 0)", "The half-life is a number of days, 0 or more."),
    ]

    @api.depends("url_pattern")
    def _compute_url_like(self):
        for rule in self:
            rule.url_like = url_pattern_to_like(rule.url_pattern)

    @api.constrains("points", "max_points")
    def _check_points(self):
        for rule in self:
            error = points_error(rule.points, rule.max_points)
            if error:
                raise ValidationError(self.env._("Rule %(name)s: %(error)s", name=rule.name, error=error))

    @api.constrains("rule_type", "event_type", "model_name", "domain")
    def _check_definition(self):
        for rule in self:
            if rule.rule_type == "behaviour" and not rule.event_type:
                raise ValidationError(self.env._("Behaviour rule %s needs an event type.", rule.name))
            if rule.rule_type == "profile":
                if not rule.model_name:
                    raise ValidationError(self.env._("Profile rule %s needs a model.", rule.name))
                rule._parse_domain()

    def _parse_domain(self, validate=True):
        """The rule's domain as a list, or a ValidationError saying what is wrong.

        ``validate`` also compiles it against the model (done on save; the
        scoring engine skips it).
        """
        self.ensure_one()
        try:
            domain = evaluate_domain(self.domain)
        except ValueError as error:
            raise ValidationError(
                self.env._(
                    "Rule %(name)s: the domain %(domain)s is not a valid domain (%(error)s).",
                    name=self.name,
                    domain=self.domain,
                    error=error,
                )
            ) from error
        if not validate:
            return domain
        model = self.env[self.model_name]
        try:
            check_domain_applies(model, domain)
        except ValueError as error:
            raise ValidationError(
                self.env._(
                    "Rule %(name)s: the domain %(domain)s does not apply to %(model)s (%(error)s).",
                    name=self.name,
                    domain=self.domain,
                    model=model._description,
                    error=error,
                )
            ) from error
        return domain

    # ------------------------------------------------------------------
    # Scoring engine: set-based SQL over the whole base or a few records.
    # ------------------------------------------------------------------

    @api.model
    def _thresholds(self):
        params = self.env["ir.config_parameter"].sudo()
        warm = int(params.get_param("marketing_automation_ext.grade_warm", 20))
        hot = int(params.get_param("marketing_automation_ext.grade_hot", 50))
        return warm, hot

    @api.model
    def _cron_rescore(self, chunk_size=RESCORE_CHUNK):
        """Nightly and after a rule change: recompute every score with decay, then every segment.

        Run by the cron, each call rescores the next ``chunk_size`` contacts and their leads and
        reports what remains (``_notify_progress``): the cron framework commits and calls again.
        A chunk refused for another process's change is postponed (``run_batch_or_postpone``);
        the pass resumes where it stopped. Called directly (demo data, tests), it does the whole
        pass in the current transaction.
        """
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        while True:
            progress = self._rescore_next_chunk(chunk_size)
            if progress is None:
                return  # postponed
            done, remaining = progress
            if not remaining:
                break
            if in_cron:
                self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
                return
        self.env["marketing.segment"]._cron_refresh()

    @api.model
    def _rescore_next_chunk(self, chunk_size, now=None):
        """Rescore the pass's next contacts and their leads, then the leads without a contact
        last: ``(done, remaining)`` in contacts (the contactless leads count as one), or None
        when postponed. ``now`` moves the decay's clock (benchmarks)."""
        cr = self.env.cr
        params = self.env["ir.config_parameter"].sudo()
        try:
            after = int(params.get_param(RESCORE_CURSOR, 0) or 0)
        except ValueError:  # edited by hand in System Parameters: start the pass over
            after = 0
        last = None
        if after >= 0:
            cr.execute(
                "SELECT max(id) FROM (SELECT id FROM res_partner WHERE id > %s ORDER BY id LIMIT %s) chunk",
                [after, chunk_size],
            )
            last = cr.fetchone()[0]
        if last:
            # these contacts, their leads, and their own behaviour sums only
            partner_ids = contacts = IdRange(after, last)
            lead_ids = LeadsOfContacts(partner_ids)
        else:  # -1: only the leads without a contact are left
            partner_ids, contacts = [], []
            lead_ids = LeadsOfContacts(None)
        reason = self.env._("Nightly recompute")

        def chunk():
            self.sudo()._rescore(
                partner_ids=partner_ids,
                lead_ids=lead_ids,
                reason=reason,
                now=now,
                refresh_segments=False,
                contacts=contacts,
            )
            if not last:
                params.set_param(RESCORE_CURSOR, 0)  # pass finished
                return 1, 0
            cr.execute(
                "SELECT count(*) FILTER (WHERE id <= %s), count(*) FILTER (WHERE id > %s) FROM res_partner"
                " WHERE id > %s",
                [last, last, after],
            )
            done, remaining = cr.fetchone()
            # in the chunk's savepoint: a rule saved meanwhile (which restarts the pass) wins
            params.set_param(RESCORE_CURSOR, last if remaining else -1)
            return done, remaining + 1

        return run_batch_or_postpone(self.env, "marketing_automation_ext.ir_cron_marketing_rescore", chunk) or None

    def action_rescore_all(self):
        """Recompute every score now; on a base bigger than one nightly chunk, start the
        cron's chunked pass instead (one request over the whole base would hold the user
        for as long as it runs and be refused whenever anyone changes a contact meanwhile)."""
        self.env["marketing.score.rule"].check_access("write")
        self.env.cr.execute("SELECT count(*) FROM res_partner")
        contacts = self.env.cr.fetchone()[0]
        if contacts > RESCORE_CHUNK:
            self.sudo()._schedule_rescore()
            message = self.env._(
                "Recomputing the scores of %(contacts)s contacts and their leads in the background, "
                "%(chunk)s contacts at a time: they update within minutes.",
                contacts=contacts,
                chunk=RESCORE_CHUNK,
            )
        else:
            self.sudo()._rescore(reason=self.env._("Recomputed by %s", self.env.user.name))
            message = self.env._("Scores recomputed.")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": message,
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @api.model
    def _rescore_for_events(self, rows):
        """Incremental path: rescore only the records new events touch.

        ``rows`` are ``(event_id, partner_id, lead_id, event_type)``. A lead also
        counts its contact's events, so a contact's event rescores its leads too.
        Each record's history line names the events that moved it.
        """
        labels = dict(self.env["marketing.event"]._fields["event_type"]._description_selection(self.env))
        by_partner, by_lead = {}, {}
        for event_id, partner_id, lead_id, event_type in rows:
            if partner_id:
                by_partner.setdefault(partner_id, []).append((event_id, event_type))
            if lead_id:
                by_lead.setdefault(lead_id, []).append((event_id, event_type))
        if by_partner:
            self.env.cr.execute("SELECT id, partner_id FROM crm_lead WHERE partner_id = ANY(%s)", [list(by_partner)])
            for lead_id, partner_id in self.env.cr.fetchall():
                by_lead.setdefault(lead_id, [])
                for event in by_partner[partner_id]:
                    if event not in by_lead[lead_id]:
                        by_lead[lead_id].append(event)

        def reasons(events_by_record):
            result = {}
            for res_id, events in events_by_record.items():
                names = sorted({labels.get(event_type, event_type) for _id, event_type in events})
                single = events[0][0] if len(events) == 1 else None
                result[str(res_id)] = [", ".join(names), single]
            return result

        self.sudo()._rescore(
            partner_ids=set(by_partner),
            lead_ids=set(by_lead),
            reasons={"res.partner": reasons(by_partner), "crm.lead": reasons(by_lead)},
        )

    @api.model
    def _rescore(
        self,
        partner_ids=None,
        lead_ids=None,
        reason=None,
        reasons=None,
        now=None,
        refresh_segments=True,
        contacts=None,
    ):
        """Recompute stored scores and grades; ``None`` ids mean every record.

        Ids are a list or set, an ``IdRange``, ``LeadsOfContacts`` or an SQL query
        selecting them (see ``id_in``); an empty set of ids means none of that model. ``contacts``: the
        contacts whose behaviour sums the records need (required with queries, else
        found here). ``reasons`` optionally maps model -> {str(id): [reason, event_id]}
        for the history lines. Costs a few statements whatever the number of records:
        each contact's capped behaviour points are aggregated once into a temporary
        table, and leads reuse their contact's points. Records given by a list of ids enter
        or leave segments at once unless ``refresh_segments`` is false.
        """
        self.env.flush_all()
        now = now or fields.Datetime.now()
        if partner_ids is not None and lead_ids is not None and not partner_ids and not lead_ids:
            return
        self.env.cr.execute("SET LOCAL jit = off")  # see marketing.segment._refresh
        if many(partner_ids) or many(lead_ids):
            # whole-base or chunk aggregates: keep the hash tables in memory
            self.env.cr.execute("SET LOCAL work_mem = '64MB'")
            # Autovacuum analyzes a table after 50 changes, which a rules table may never see: the
            # planner then guesses one matching rule and can loop over the touchpoints once per
            # rule (the contacts' sums 2.8x slower at 100,000 contacts, bench/README.md). A few
            # rows: a millisecond.
            self.env.cr.execute("ANALYZE marketing_score_rule")
        if contacts is None and (is_query(partner_ids) or is_query(lead_ids)):
            raise ValueError("records given by a query need their contacts given too")
        if refresh_segments and (is_query(partner_ids) or is_query(lead_ids)):
            # segments are refreshed record by record, from a list (the nightly pass refreshes them all)
            raise ValueError("records given by a query are rescored with refresh_segments=False")
        if contacts is None and partner_ids is not None and lead_ids is not None:
            contacts = set(partner_ids)
            if lead_ids:
                self.env.cr.execute(
                    "SELECT partner_id FROM crm_lead WHERE id = ANY(%s) AND partner_id IS NOT NULL", [list(lead_ids)]
                )
                contacts.update(row[0] for row in self.env.cr.fetchall())
        self._fill_contact_sums(contacts, now)
        for model_name, ids in (("res.partner", partner_ids), ("crm.lead", lead_ids)):
            if ids is not None and not ids:
                continue
            if ids is not None and not is_query(ids):
                ids = list(ids)
            self._apply_scores(model_name, ids, now, reason, (reasons or {}).get(model_name))
            if ids is not None and refresh_segments:
                # the records a new event touched may enter or leave segments
                self.env["marketing.segment"]._refresh_records(model_name, ids)
        # the history lines were inserted in SQL too: the records' lists of them are read again
        self.env["marketing.score.history"].invalidate_model()
        for model_name in TARGETS:
            self.env[model_name].invalidate_model(
                ["marketing_score", "marketing_grade", "marketing_score_date", "marketing_score_history_ids"]
            )

    @api.model
    def _behaviour_join(self, now):
        """Join condition of an event ``e`` and a behaviour rule ``r``, and its decayed points."""
        matches = SQL(
            """r.active AND r.rule_type = 'behaviour' AND r.event_type = e.event_type
               AND (r.channel IS NULL OR r.channel = e.channel)
               AND (r.url_like IS NULL OR e.url ILIKE r.url_like)
               AND (r.campaign_id IS NULL OR r.campaign_id = e.campaign_id)
               AND (COALESCE(r.window_days, 0) = 0 OR e.date >= %(now)s - r.window_days * INTERVAL '1 day')""",
            now=now,
        )
        decayed = SQL(
            """r.points * CASE WHEN COALESCE(r.half_life_days, 0) > 0
                 THEN power(0.5::float8, GREATEST(date_part('epoch', %(now)s - e.date), 0) / 86400.0
                                         / r.half_life_days)
                 ELSE 1 END""",
            now=now,
        )
        return matches, decayed

    @api.model
    def _contact_sums_query(self, contacts, now):
        """SQL of (partner_id, rule_id, total, n, last_date): uncapped behaviour sums per contact and rule."""
        matches, decayed = self._behaviour_join(now)
        return SQL(
            """SELECT e.partner_id, r.id, SUM(%(decayed)s), COUNT(*)::int, MAX(e.date)
                 FROM marketing_event e
                 JOIN marketing_score_rule r ON %(matches)s
                WHERE e.partner_id IS NOT NULL %(scope)s
                GROUP BY e.partner_id, r.id""",
            decayed=decayed,
            matches=matches,
            scope=SQL("AND %s", id_in(SQL("e.partner_id"), contacts)) if contacts is not None else SQL(),
        )

    @api.model
    def _fill_contact_sums(self, contacts, now):
        """Capped behaviour points per contact into the session's temporary table: a lead without
        touchpoints of its own scores the same. The per-rule sums are aggregated on the way and
        not stored: only leads with touchpoints of their own need them (``_fill_rule_sums``)."""
        cr = self.env.cr
        cr.execute(
            """CREATE TEMP TABLE IF NOT EXISTS marketing_score_contact_points (partner_id int, points float8)
               ON COMMIT DELETE ROWS"""
        )
        cr.execute("TRUNCATE marketing_score_contact_points")
        cr.execute(
            SQL(
                """INSERT INTO marketing_score_contact_points
                   SELECT s.partner_id, SUM(%s) FROM (%s) s(partner_id, rule_id, total, n, last_date)
                     JOIN marketing_score_rule r ON r.id = s.rule_id
                    GROUP BY s.partner_id""",
                CAPPED,
                self._contact_sums_query(contacts, now),
            )
        )
        cr.execute("ANALYZE marketing_score_contact_points")

    @api.model
    def _fill_rule_sums(self, contacts, now):
        """Uncapped behaviour sums per (contact, rule) of ``contacts`` (SQL selecting their ids) into
        the session's temporary table, which ``_lines_query`` reads."""
        cr = self.env.cr
        cr.execute(
            """CREATE TEMP TABLE IF NOT EXISTS marketing_score_contact_sum (
                   partner_id int, rule_id int, total float8, n int, last_date timestamp
               ) ON COMMIT DELETE ROWS"""
        )
        cr.execute("TRUNCATE marketing_score_contact_sum")
        cr.execute(SQL("INSERT INTO marketing_score_contact_sum %s", self._contact_sums_query(contacts, now)))
        cr.execute("ANALYZE marketing_score_contact_sum")

    @api.model
    def _lines_query(self, model_name, ids, now, lead_scope=None, profile=True, sums=None):
        """SQL of (res_id, rule_id, points, n, last_date): every rule's points for each record.

        Needs ``_fill_rule_sums`` to cover the contacts concerned. ``lead_scope``
        (SQL selecting lead ids) narrows the behaviour part for leads instead of ``ids``;
        ``sums`` (SQL) replaces the temporary table, for read-only transactions.
        """
        sums = SQL("(%s)", sums) if sums is not None else SQL("marketing_score_contact_sum")
        cap = CAPPED
        if model_name == "res.partner":
            behaviour = SQL(
                """SELECT s.partner_id AS res_id, s.rule_id, %(cap)s AS points, s.n, s.last_date
                     FROM %(sums)s s(partner_id, rule_id, total, n, last_date)
                     JOIN marketing_score_rule r ON r.id = s.rule_id %(scope)s""",
                sums=sums,
                cap=cap,
                scope=SQL("WHERE %s", id_in(SQL("s.partner_id"), ids)) if ids is not None else SQL(),
            )
        else:
            matches, decayed = self._behaviour_join(now)
            # A lead counts its contact's events, plus its own events not already among them.
            behaviour = SQL(
                """SELECT s.res_id, s.rule_id, %(cap)s AS points, s.n, s.last_date
                     FROM (SELECT res_id, rule_id, SUM(total) AS total, SUM(n)::int AS n, MAX(last_date) AS last_date
                             FROM (SELECT l.id AS res_id, c.rule_id, c.total, c.n, c.last_date
                                     FROM crm_lead l
                                     JOIN %(sums)s c(partner_id, rule_id, total, n, last_date)
                                          ON c.partner_id = l.partner_id
                                    %(lead_scope)s
                                   UNION ALL
                                   SELECT l.id, r.id, SUM(%(decayed)s), COUNT(*), MAX(e.date)
                                     FROM marketing_event e
                                     JOIN crm_lead l ON l.id = e.lead_id
                                     JOIN marketing_score_rule r ON %(matches)s
                                    WHERE e.lead_id IS NOT NULL AND (e.partner_id = l.partner_id) IS NOT TRUE
                                          %(event_scope)s
                                    GROUP BY l.id, r.id) parts
                            GROUP BY res_id, rule_id) s
                     JOIN marketing_score_rule r ON r.id = s.rule_id""",
                cap=cap,
                decayed=decayed,
                matches=matches,
                sums=sums,
                lead_scope=SQL("WHERE l.id IN (%s)", lead_scope)
                if lead_scope is not None
                else SQL("WHERE %s", record_in("l", ids))
                if ids is not None
                else SQL(),
                event_scope=SQL("AND e.lead_id IN (%s)", lead_scope)
                if lead_scope is not None
                else SQL("AND %s", record_in("l", ids))
                if ids is not None
                else SQL(),
            )
        parts = [behaviour]
        if profile:
            parts += self._profile_parts(model_name, ids)
        return SQL(" UNION ALL ").join(parts)

    @api.model
    def _profile_parts(self, model_name, ids):
        """One SELECT (res_id, rule_id, points, 0, NULL) per active profile rule, from the ORM's domain query."""
        parts = []
        model = self.env[model_name].sudo().with_context(active_test=False)
        rules = self.with_context(active_test=True).search(
            [("rule_type", "=", "profile"), ("model_name", "=", model_name)]
        )
        for rule in rules:
            try:
                domain = rule._parse_domain(validate=False)
            except ValidationError as error:
                _logger.warning("Skipping score rule %s: %s", rule.id, error)
                continue
            if ids is not None and not is_query(ids):
                domain = expression.AND([domain, [("id", "in", ids)]])
            query = model._search(domain)
            if is_query(ids):
                query.add_where(record_in(model._table, ids))
            parts.append(
                SQL(
                    "SELECT matched.id, %s, %s::float8, 0, NULL::timestamp FROM (%s) matched",
                    rule.id,
                    rule.points,
                    query.select(SQL.identifier(model._table, "id")),
                )
            )
        return parts

    @api.model
    def _scores_query(self, model_name, ids, now):
        """SQL of (res_id, points) whose per-record sum is the score, cheaper than the per-rule lines.

        Contacts read their capped behaviour points from the temporary table; a
        lead reuses its contact's unless it has events of its own, which only
        those leads (and their contacts' sums per rule) pay for. Writing path
        only (it fills temporary tables).
        """
        profile = self._profile_parts(model_name, ids)
        profile = [
            SQL("SELECT res_id, points FROM (%s) p(res_id, rule_id, points, n, last_date)", part) for part in profile
        ]
        if model_name == "res.partner":
            behaviour = SQL(
                "SELECT partner_id, points FROM marketing_score_contact_points %s",
                SQL("WHERE %s", id_in(SQL("partner_id"), ids)) if ids is not None else SQL(),
            )
            return SQL(" UNION ALL ").join([behaviour] + profile)
        if ids is None:
            own_events = SQL(
                """SELECT DISTINCT e.lead_id FROM marketing_event e JOIN crm_lead l ON l.id = e.lead_id
                    WHERE e.lead_id IS NOT NULL AND (e.partner_id = l.partner_id) IS NOT TRUE"""
            )
        else:
            # one index probe per lead (LIMIT keeps it a nested loop): a merge join walked the
            # events' lead index from its start, longer for each later chunk of the nightly pass
            own_events = SQL(
                """SELECT l.id FROM crm_lead l,
                          LATERAL (SELECT 1 FROM marketing_event e
                                    WHERE e.lead_id = l.id AND (e.partner_id = l.partner_id) IS NOT TRUE
                                    LIMIT 1) own
                    WHERE %s""",
                record_in("l", ids),
            )
        if many(ids):
            # many leads (every lead, or a nightly chunk): find those with events of their own once
            # (the statement needs them three times), and when there are none, skip their part
            cr = self.env.cr
            cr.execute("CREATE TEMP TABLE IF NOT EXISTS marketing_score_own_leads (lead_id int) ON COMMIT DELETE ROWS")
            cr.execute("TRUNCATE marketing_score_own_leads")
            cr.execute(SQL("INSERT INTO marketing_score_own_leads %s", own_events))
            if not cr.rowcount:
                shared = SQL(
                    "SELECT l.id, cp.points FROM crm_lead l"
                    " JOIN marketing_score_contact_points cp ON cp.partner_id = l.partner_id %s",
                    SQL("WHERE %s", record_in("l", ids)) if ids is not None else SQL(),
                )
                return SQL(" UNION ALL ").join([shared] + profile)
            cr.execute("ANALYZE marketing_score_own_leads")
            own_events = SQL("SELECT lead_id FROM marketing_score_own_leads")
        # their contacts' sums per rule, to add the leads' own touchpoints to before capping
        self._fill_rule_sums(
            SQL("SELECT partner_id FROM crm_lead WHERE id IN (%s) AND partner_id IS NOT NULL", own_events), now
        )
        shared = SQL(
            """SELECT l.id, cp.points FROM crm_lead l
                 JOIN marketing_score_contact_points cp ON cp.partner_id = l.partner_id
                WHERE l.id NOT IN (%s) %s""",
            own_events,
            SQL("AND %s", record_in("l", ids)) if ids is not None else SQL(),
        )
        own = SQL(
            "SELECT res_id, points FROM (%s) own_lines",
            self._lines_query(model_name, ids, now, lead_scope=own_events, profile=False),
        )
        return SQL(" UNION ALL ").join([shared, own] + profile)

    @api.model
    def _apply_scores(self, model_name, ids, now, reason, reasons=None):
        """Sum each record's rule points into its stored score and grade; log changes in the history."""
        target = TARGETS[model_name]
        table = SQL.identifier(target["table"])
        column = SQL.identifier(target["column"])
        warm, hot = self._thresholds()
        if reasons:
            line_reason = SQL("COALESCE(%s::jsonb -> id::text ->> 0, %s)", json.dumps(reasons), reason or None)
            line_event = SQL("(%s::jsonb -> id::text ->> 1)::int", json.dumps(reasons))
        else:  # the nightly pass: one reason for all
            line_reason, line_event = SQL("%s", reason or None), SQL("NULL::int")
        if ids is not None:
            scope = SQL("WHERE %s", record_in("t", ids))
            # the same filter on the updated table lets the planner read only these rows there too
            target_scope = SQL("AND %s", record_in("t", ids))
        else:
            scope = SQL("WHERE agg.res_id IS NOT NULL OR t.marketing_score <> 0")
            target_scope = SQL()
        self.env.cr.execute(
            SQL(
                """WITH agg AS (
                       SELECT res_id, ROUND(SUM(points)::numeric)::int AS score
                         FROM (%(lines)s) lines(res_id, points) GROUP BY res_id
                   ), fresh AS (
                       SELECT t.id, t.marketing_score AS old_score, COALESCE(agg.score, 0) AS score
                         FROM %(table)s t LEFT JOIN agg ON agg.res_id = t.id
                        %(scope)s
                   ), changed AS (
                       UPDATE %(table)s t
                          SET marketing_score = fresh.score,
                              marketing_grade = CASE WHEN fresh.score >= %(hot)s THEN 'hot'
                                                     WHEN fresh.score >= %(warm)s THEN 'warm'
                                                     ELSE 'cold' END,
                              marketing_score_date = %(now)s
                         FROM fresh
                        WHERE t.id = fresh.id AND t.marketing_score IS DISTINCT FROM fresh.score %(target_scope)s
                    RETURNING t.id, fresh.old_score, fresh.score
                   )
                   INSERT INTO marketing_score_history (%(column)s, date, old_score, score, reason, event_id)
                   SELECT id, %(now)s, COALESCE(old_score, 0), score, %(line_reason)s, %(line_event)s
                     FROM changed""",
                lines=self._scores_query(model_name, ids, now),
                table=table,
                column=column,
                scope=scope,
                target_scope=target_scope,
                hot=hot,
                warm=warm,
                now=now,
                line_reason=line_reason,
                line_event=line_event,
            )
        )

    @api.model
    def _score_breakdown(self, model_name, res_id):
        """Each rule's current points for one record: [{rule, points, events, last_date}], biggest first."""
        now = fields.Datetime.now()
        contacts = {res_id}
        if model_name == "crm.lead":
            self.env.cr.execute("SELECT partner_id FROM crm_lead WHERE id = %s", [res_id])
            contacts = {row[0] for row in self.env.cr.fetchall() if row[0]}
        self.env.flush_all()
        # read path (a form being displayed): no temporary table, the transaction may be read-only
        self.env.cr.execute(
            SQL(
                "SELECT rule_id, points, n, last_date FROM (%s) lines WHERE points <> 0 ORDER BY points DESC",
                self._lines_query(model_name, [res_id], now, sums=self._contact_sums_query(contacts, now)),
            )
        )
        rows = self.env.cr.fetchall()
        rules = self.browse([row[0] for row in rows]).sudo()
        by_id = {rule.id: rule for rule in rules}
        return [
            {"rule": by_id[rule_id], "points": points, "events": n, "last_date": last_date}
            for rule_id, points, n, last_date in rows
        ]

    @api.model
    def _regrade_all(self):
        """Thresholds changed: regrade everyone from the stored score, no rescoring."""
        warm, hot = self._thresholds()
        for target in TARGETS.values():
            self.env.cr.execute(
                SQL(
                    """UPDATE %(table)s SET marketing_grade = g.grade FROM (
                           SELECT id, CASE WHEN marketing_score >= %(hot)s THEN 'hot'
                                           WHEN marketing_score >= %(warm)s THEN 'warm'
                                           ELSE 'cold' END AS grade
                             FROM %(table)s) g
                        WHERE g.id = %(table)s.id AND %(table)s.marketing_grade IS DISTINCT FROM g.grade""",
                    table=SQL.identifier(target["table"]),
                    hot=hot,
                    warm=warm,
                )
            )
        for model_name in TARGETS:
            self.env[model_name].invalidate_model(["marketing_grade"])

    def _schedule_rescore(self):
        """Rules changed: let the scoring cron recompute everyone soon, off the request path."""
        cron = self.env.ref("marketing_automation_ext.ir_cron_marketing_rescore", raise_if_not_found=False)
        # a pass in progress started with the old rules: start over
        self.env["ir.config_parameter"].sudo().set_param(RESCORE_CURSOR, 0)
        if cron:
            cron.sudo()._trigger()

    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        rules._schedule_rescore()
        return rules

    def write(self, vals):
        result = super().write(vals)
        self._schedule_rescore()
        return result

    def unlink(self):
        self._schedule_rescore()
        return super().unlink()
