import logging
from datetime import timedelta

from psycopg2 import Error as PsycopgError

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL

from ..lib.domains import check_domain_applies, evaluate_domain
from ..lib.graph import find_cycle
from .marketing_score_rule import SCORED_MODELS, TARGETS

_logger = logging.getLogger(__name__)

GRADE_FILTERS = {
    "hot": ["hot"],
    "warm_hot": ["warm", "hot"],
    "warm": ["warm"],
    "cold": ["cold"],
}


class MarketingSegment(models.Model):
    """An audience of contacts or leads: dynamic (rules, refreshed in SQL) or static (hand-picked).

    Membership is materialised in ``marketing.segment.member``; a refresh is one
    statement that closes the stays of those who left, opens stays for those who
    entered and logs both as events.
    """

    _name = "marketing.segment"
    _description = "Marketing Segment"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    description = fields.Text()
    model_name = fields.Selection(SCORED_MODELS, string="Of", required=True, default="res.partner")
    segment_type = fields.Selection(
        [("dynamic", "Dynamic (rules)"), ("static", "Static (hand-picked)")], required=True, default="dynamic"
    )
    domain = fields.Char(default="[]", help="Records must match this domain.")
    filter_score = fields.Boolean("Score Range")
    score_min = fields.Integer("Score From")
    score_max = fields.Integer("Score To", default=100)
    grade_filter = fields.Selection(
        [("hot", "Hot"), ("warm_hot", "Warm or hot"), ("warm", "Warm"), ("cold", "Cold")], string="Grade"
    )
    condition_ids = fields.One2many("marketing.segment.condition", "segment_id", string="Engagement", copy=True)
    include_segment_ids = fields.Many2many(
        "marketing.segment",
        "marketing_segment_include_rel",
        "segment_id",
        "included_id",
        string="Also In",
        help="Members must also be current members of each of these segments.",
    )
    exclude_segment_ids = fields.Many2many(
        "marketing.segment",
        "marketing_segment_exclude_rel",
        "segment_id",
        "excluded_id",
        string="Not In",
        help="Members of any of these segments are left out.",
    )
    member_ids = fields.One2many("marketing.segment.member", "segment_id", string="Memberships")
    member_count = fields.Integer("Members", readonly=True, copy=False)
    last_refresh = fields.Datetime(readonly=True, copy=False)
    count_ids = fields.One2many("marketing.segment.count", "segment_id", string="Size History")
    preview_count = fields.Integer("Would Match", compute="_compute_preview_count")
    preview_error = fields.Char(compute="_compute_preview_count")
    engagement_heatmap = fields.Html(
        "Engagement by Weekday and Hour",
        compute="_compute_engagement_heatmap",
        sanitize=False,
        help="Opens and clicks of the current members, by weekday and hour in your time zone.",
    )

    # ------------------------------------------------------------------
    # Validation
    # ------------------------------------------------------------------

    def _compute_engagement_heatmap(self):
        Partner = self.env["res.partner"]
        zone = self.env.user.tz or "UTC"
        for segment in self:
            if not segment._origin.id:
                segment.engagement_heatmap = False
                continue
            if segment.model_name == "res.partner":
                members = SQL(
                    "SELECT partner_id FROM marketing_segment_member WHERE segment_id = %s AND date_exited IS NULL",
                    segment._origin.id,
                )
            else:
                members = SQL(
                    """SELECT l.partner_id FROM marketing_segment_member m JOIN crm_lead l ON l.id = m.lead_id
                        WHERE m.segment_id = %s AND m.date_exited IS NULL AND l.partner_id IS NOT NULL""",
                    segment._origin.id,
                )
            segment.engagement_heatmap = Partner._marketing_heatmap_html(
                Partner._marketing_heatmap_counts(members, zone)
            )

    def _parse_domain(self):
        self.ensure_one()
        try:
            return evaluate_domain(self.domain)
        except ValueError as error:
            raise ValidationError(
                self.env._(
                    "Segment %(name)s: %(domain)s is not a valid domain (%(error)s).",
                    name=self.name,
                    domain=self.domain,
                    error=error,
                )
            ) from error

    @api.constrains("domain", "model_name", "segment_type")
    def _check_domain(self):
        for segment in self.filtered(lambda s: s.segment_type == "dynamic"):
            domain = segment._parse_domain()
            try:
                check_domain_applies(self.env[segment.model_name], domain)
            except ValueError as error:
                raise ValidationError(
                    self.env._(
                        "Segment %(name)s: the domain %(domain)s does not apply to %(model)s (%(error)s).",
                        name=segment.name,
                        domain=segment.domain,
                        model=self.env[segment.model_name]._description,
                        error=error,
                    )
                ) from error

    @api.constrains("filter_score", "score_min", "score_max")
    def _check_score_range(self):
        for segment in self:
            if segment.filter_score and segment.score_min > segment.score_max:
                raise ValidationError(self.env._("The score range is empty: 'from' is above 'to'."))

    @api.constrains("include_segment_ids", "exclude_segment_ids", "model_name")
    def _check_references(self):
        for segment in self:
            others = segment.include_segment_ids | segment.exclude_segment_ids
            if any(other.model_name != segment.model_name for other in others):
                raise ValidationError(
                    self.env._("Segment %s can only include or exclude segments of the same records.", segment.name)
                )
        edges = {}
        for segment in self.search([]):
            edges[segment.id] = (segment.include_segment_ids | segment.exclude_segment_ids).ids
        cycle = find_cycle(edges)
        if cycle:
            names = " → ".join(self.browse(segment_id).name for segment_id in cycle)
            raise ValidationError(self.env._("These segments include each other in a loop: %s", names))

    # ------------------------------------------------------------------
    # Membership query
    # ------------------------------------------------------------------

    def _target_query(self, res_ids=None, now=None):
        """SQL selecting the ids of the records this (dynamic) segment holds now."""
        self.ensure_one()
        now = now or fields.Datetime.now()
        model = self.env[self.model_name].sudo().with_context(active_test=True)
        domain = self._parse_domain()
        if res_ids is not None:
            domain = expression.AND([domain, [("id", "in", list(res_ids))]])
        query = model._search(domain)
        table = model._table
        if self.filter_score:
            query.add_where(
                SQL("%s BETWEEN %s AND %s", SQL.identifier(table, "marketing_score"), self.score_min, self.score_max)
            )
        if self.grade_filter:
            query.add_where(
                SQL("%s IN %s", SQL.identifier(table, "marketing_grade"), tuple(GRADE_FILTERS[self.grade_filter]))
            )
        for condition in self.condition_ids:
            query.add_where(condition._sql(table, self.model_name, now))
        column = SQL.identifier(TARGETS[self.model_name]["column"])
        for other in self.include_segment_ids._origin:
            query.add_where(
                SQL(
                    "%s IN (SELECT %s FROM marketing_segment_member WHERE segment_id = %s AND date_exited IS NULL)",
                    SQL.identifier(table, "id"),
                    column,
                    other.id,
                )
            )
        for other in self.exclude_segment_ids._origin:
            query.add_where(
                SQL(
                    "%s NOT IN (SELECT %s FROM marketing_segment_member WHERE segment_id = %s AND date_exited IS NULL"
                    " AND %s IS NOT NULL)",
                    SQL.identifier(table, "id"),
                    column,
                    other.id,
                    column,
                )
            )
        return query.select(SQL.identifier(table, "id"))

    @api.depends(
        "segment_type",
        "model_name",
        "domain",
        "filter_score",
        "score_min",
        "score_max",
        "grade_filter",
        "condition_ids.kind",
        "condition_ids.event_type",
        "condition_ids.url_pattern",
        "condition_ids.min_count",
        "condition_ids.days",
        "condition_ids.workflow_id",
        "include_segment_ids",
        "exclude_segment_ids",
    )
    def _compute_preview_count(self):
        """Live count while editing: what a refresh would give now."""
        for segment in self:
            segment.preview_error = False
            if segment.segment_type != "dynamic":
                segment.preview_count = segment.member_count
                continue
            # Errors are caught while building the query (a domain being typed), before any SQL
            # runs: a failed statement would need a savepoint rollback, which would also drop
            # the unsaved values of the form being edited.
            try:
                query = segment._target_query()
            except (ValidationError, ValueError, KeyError, TypeError) as error:
                segment.preview_count = 0
                segment.preview_error = str(error.args[0] if error.args else error)
                continue
            self.env.cr.execute(SQL("SELECT count(*) FROM (%s) t", query))
            segment.preview_count = self.env.cr.fetchone()[0]

    # ------------------------------------------------------------------
    # Refresh
    # ------------------------------------------------------------------

    def _refresh(self, res_ids=None, now=None):
        """Bring membership up to date in one statement per segment; returns {segment id: (entered, left)}.

        With ``res_ids`` only those records are looked at (the incremental path).
        A refresh that fails leaves the membership as it was.
        """
        now = now or fields.Datetime.now()
        results = {}
        self.env.flush_all()
        if res_ids is None:
            # JIT compiling these one-off statements costs more than running them (their row
            # estimates through CTEs are huge): PostgreSQL's default would add 100+ ms each.
            self.env.cr.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
        postponed = self.browse()
        for segment in self._in_dependency_order().filtered(lambda s: s.segment_type == "dynamic" and s.active):
            try:
                if res_ids is None:
                    with self.env.cr.savepoint(flush=False):
                        results[segment.id] = segment._refresh_one(None, now)
                else:
                    results[segment.id] = segment._refresh_records_one(res_ids, now)
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                if res_ids is not None:
                    raise  # as is: Odoo retries the request or the cron batch it came from
                # another process (an incremental refresh after a touchpoint) changed these members
                # since this transaction's snapshot: this segment is refreshed again in a minute
                postponed |= segment
            except (ValueError, KeyError, TypeError, PsycopgError) as error:
                raise UserError(
                    self.env._(
                        "Segment %(name)s could not be refreshed; its members are unchanged. %(error)s",
                        name=segment.name,
                        error=error,
                    )
                ) from error
        if postponed:
            _logger.info("Refresh of segments %s postponed: their members were being changed", postponed.ids)
            self.env.ref("marketing_automation_ext.ir_cron_marketing_segments")._trigger(
                fields.Datetime.now() + timedelta(minutes=1)
            )
        if any(entered or left for entered, left in results.values()):
            self._forget_memberships()
        else:  # nobody entered or left (the usual incremental case): the records' lists still hold
            self.env["marketing.segment.member"].invalidate_model()
        self.invalidate_model(["member_count", "last_refresh"])
        return results

    @api.model
    def _forget_memberships(self):
        """Memberships changed in SQL: the member cache, and the contacts' and leads' computed lists of segments."""
        self.env["marketing.segment.member"].invalidate_model()
        for model_name, _label in SCORED_MODELS:
            self.env[model_name].invalidate_model(["marketing_segment_ids"])

    def _refresh_records_one(self, res_ids, now):
        """The incremental path, made for a contact at a time. Most of the time nobody enters or
        leaves: one read-only statement (the audience of these records against their current
        membership) says so. Otherwise savepoint, settings and the writing diff go to the database
        in one round trip. The query is built first: a bad domain fails before any SQL."""
        target = self._target_query(res_ids, now)
        column = SQL.identifier(TARGETS[self.model_name]["column"])
        self.env.cr.execute(
            SQL(
                """SELECT EXISTS (
                       SELECT 1 FROM (%(target)s) t
                         FULL JOIN (SELECT m.%(column)s AS res_id FROM marketing_segment_member m
                                     WHERE m.segment_id = %(segment)s AND m.date_exited IS NULL
                                           AND m.%(column)s = ANY(%(ids)s)) c ON c.res_id = t.id
                        WHERE t.id IS NULL OR c.res_id IS NULL)""",
                target=target,
                column=column,
                segment=self.id,
                ids=list(res_ids),
            )
        )
        if not self.env.cr.fetchone()[0]:
            return 0, 0
        savepoint = SQL.identifier("marketing_segment_%s" % self.id)
        prefix = SQL("SAVEPOINT %s; SET LOCAL jit = off;", savepoint)
        try:
            counts = self._refresh_one(res_ids, now, target=target, prefix=prefix)
        except PsycopgError:
            self.env.cr.execute(SQL("ROLLBACK TO SAVEPOINT %s", savepoint))
            raise
        self.env.cr.execute(SQL("RELEASE SAVEPOINT %s", savepoint))
        return counts

    def _in_dependency_order(self):
        """These segments, included/excluded ones first."""
        ordered, seen = [], set()

        def visit(segment):
            if segment.id in seen:
                return
            seen.add(segment.id)
            for other in segment.include_segment_ids | segment.exclude_segment_ids:
                if other in self:
                    visit(other)
            ordered.append(segment.id)

        for segment in self:
            visit(segment)
        return self.browse(ordered)

    def _refresh_one(self, res_ids, now, target=None, prefix=None):
        """One statement: diff the audience against current members with a full join, close the
        stays of those who left, open stays for those who entered, log both as events.

        ``target``: the audience query when already built; ``prefix``: statements sent with it."""
        self.ensure_one()
        column = SQL.identifier(TARGETS[self.model_name]["column"])
        scope = SQL("AND m.%s = ANY(%s)", column, list(res_ids)) if res_ids is not None else SQL()
        if self.model_name == "res.partner":
            partner_expr, lead_expr = SQL("c.res_id"), SQL("NULL::int")
        else:
            partner_expr = SQL("(SELECT partner_id FROM crm_lead WHERE id = c.res_id)")
            lead_expr = SQL("c.res_id")
        # Entries and exits are logged as events, left for the scoring cron only when a rule scores
        # them; a segment's first refresh defines it: nobody "entered" anything, nothing is logged.
        events = SQL(
            """, logged AS (
                   INSERT INTO marketing_event (event_type, channel, partner_id, lead_id, date, segment_id,
                                                source_key, company_id, scored, create_uid, create_date,
                                                write_uid, write_date)
                   SELECT c.kind, 'crm', %(partner)s, %(lead)s, %(now)s, %(segment)s,
                          'segment:' || %(segment)s || ':' || c.kind || ':' || c.res_id || ':' || %(stamp)s,
                          COALESCE(%(record_company)s, %(company)s),
                          NOT EXISTS (SELECT 1 FROM marketing_score_rule
                                       WHERE active AND event_type IN ('segment_enter', 'segment_exit')),
                          %(uid)s, %(now)s, %(uid)s, %(now)s
                     FROM (SELECT 'segment_enter' AS kind, res_id FROM entered
                           UNION ALL SELECT 'segment_exit', res_id FROM exited) c
                    WHERE EXISTS (SELECT 1 FROM marketing_segment WHERE id = %(segment)s AND last_refresh IS NOT NULL)
                   ON CONFLICT (source_key) DO NOTHING
               )""",
            partner=partner_expr,
            lead=lead_expr,
            now=now,
            segment=self.id,
            stamp=now.isoformat(),
            # the touchpoint belongs to the record's company (see marketing.event._fill_company)
            record_company=SQL(
                "(SELECT company_id FROM %s WHERE id = c.res_id)", SQL.identifier(self.env[self.model_name]._table)
            ),
            company=self.env.company.id,
            uid=self.env.uid,
        )
        if target is None:
            target = self._target_query(res_ids, now)
        if res_ids is None:
            # Computed apart so PostgreSQL may run it with parallel workers, as it does for an
            # ORM search(); a statement that writes never gets them.
            self.env.cr.execute("DROP TABLE IF EXISTS marketing_segment_target")
            self.env.cr.execute(SQL("CREATE TEMP TABLE marketing_segment_target ON COMMIT DROP AS %s", target))
            self.env.cr.execute("ANALYZE marketing_segment_target")
            target = SQL("SELECT id FROM marketing_segment_target")
        self.env.cr.execute(
            SQL(
                """%(prefix)s WITH target AS MATERIALIZED (%(target)s),
                   current AS MATERIALIZED (
                       SELECT m.%(column)s AS res_id FROM marketing_segment_member m
                        WHERE m.segment_id = %(segment)s AND m.date_exited IS NULL AND m.%(column)s IS NOT NULL
                              %(scope)s
                   ),
                   diff AS MATERIALIZED (
                       SELECT t.id AS new_id, c.res_id AS old_id FROM target t FULL JOIN current c ON c.res_id = t.id
                        WHERE t.id IS NULL OR c.res_id IS NULL
                   ),
                   exited AS (
                       UPDATE marketing_segment_member m SET date_exited = %(now)s
                        WHERE m.segment_id = %(segment)s AND m.date_exited IS NULL AND m.%(column)s IS NOT NULL
                              AND m.%(column)s IN (SELECT old_id FROM diff WHERE new_id IS NULL)
                    RETURNING m.%(column)s AS res_id
                   ),
                   entered AS (
                       INSERT INTO marketing_segment_member (segment_id, %(column)s, date_entered)
                       SELECT %(segment)s, new_id, %(now)s FROM diff WHERE old_id IS NULL
                       ON CONFLICT DO NOTHING
                    RETURNING %(column)s AS res_id
                   )%(events)s
                   SELECT (SELECT count(*) FROM entered), (SELECT count(*) FROM exited),
                          (SELECT count(*) FROM target)""",
                prefix=prefix or SQL(),
                target=target,
                now=now,
                segment=self.id,
                column=column,
                scope=scope,
                events=events,
            )
        )
        entered, exited, target_count = self.env.cr.fetchone()
        if entered + exited > 1000:
            # keep the planner on the (segment, record) index after a big change
            self.env.cr.execute("ANALYZE marketing_segment_member")
        if res_ids is None:
            self.env.cr.execute(
                "UPDATE marketing_segment SET member_count = %s, last_refresh = %s WHERE id = %s",
                [target_count, now, self.id],
            )
            self.env.cr.execute(
                """INSERT INTO marketing_segment_count (segment_id, date, member_count, entered, exited)
                   VALUES (%s, %s, %s, %s, %s)""",
                [self.id, now, target_count, entered, exited],
            )
        elif entered or exited:
            self.env.cr.execute(
                """UPDATE marketing_segment SET member_count = member_count + %s - %s, last_refresh = %s
                    WHERE id = %s RETURNING member_count""",
                [entered, exited, now, self.id],
            )
            self.env.cr.execute(
                """INSERT INTO marketing_segment_count (segment_id, date, member_count, entered, exited)
                   VALUES (%s, %s, (SELECT member_count FROM marketing_segment WHERE id = %s), %s, %s)""",
                [self.id, now, self.id, entered, exited],
            )
        return entered, exited

    @api.model
    def _refresh_records(self, model_name, res_ids):
        """Incremental path: a score or an event changed these records."""
        if not res_ids:
            return
        segments = self.sudo().search([("model_name", "=", model_name), ("segment_type", "=", "dynamic")])
        if segments:
            segments._refresh(res_ids=res_ids)

    @api.model
    def _cron_refresh(self):
        self.sudo().search([("segment_type", "=", "dynamic")])._refresh()

    # ------------------------------------------------------------------
    # Static membership
    # ------------------------------------------------------------------

    def _add_members(self, records):
        """Add records to a static segment (hand-picked, imported or by a server action)."""
        self.ensure_one()
        if self.segment_type != "static":
            raise UserError(self.env._("Only static segments take members by hand; %s is dynamic.", self.name))
        if records._name != self.model_name:
            raise UserError(
                self.env._(
                    "Segment %(name)s holds %(model)s records.",
                    name=self.name,
                    model=self.env[self.model_name]._description,
                )
            )
        column = TARGETS[self.model_name]["column"]
        self.env.cr.execute(
            SQL(
                """INSERT INTO marketing_segment_member (segment_id, %(column)s, date_entered)
                   SELECT %(segment)s, unnest(%(ids)s::int[]), %(now)s
                   ON CONFLICT DO NOTHING""",
                column=SQL.identifier(column),
                segment=self.id,
                ids=records.ids,
                now=fields.Datetime.now(),
            )
        )
        self._update_static_count()

    def _remove_members(self, records):
        self.ensure_one()
        column = TARGETS[self.model_name]["column"]
        self.env.cr.execute(
            SQL(
                """UPDATE marketing_segment_member SET date_exited = %(now)s
                    WHERE segment_id = %(segment)s AND date_exited IS NULL AND %(column)s = ANY(%(ids)s)""",
                column=SQL.identifier(column),
                segment=self.id,
                ids=records.ids,
                now=fields.Datetime.now(),
            )
        )
        self._update_static_count()

    def _update_static_count(self):
        self.env.cr.execute(
            """UPDATE marketing_segment s SET member_count = (
                   SELECT count(*) FROM marketing_segment_member m WHERE m.segment_id = s.id AND m.date_exited IS NULL)
                WHERE s.id = %s""",
            [self.id],
        )
        self.invalidate_recordset(["member_count"])
        self._forget_memberships()

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_refresh(self):
        self.check_access("write")  # the refresh writes memberships in SQL
        self._refresh()
        return True

    def action_view_members(self):
        self.ensure_one()
        column = TARGETS[self.model_name]["column"]
        return {
            "type": "ir.actions.act_window",
            "name": self.name,
            "res_model": self.model_name,
            "view_mode": "list,kanban,form",
            "domain": [("marketing_segment_ids", "in", self.ids)],
            "context": {"create": False, "marketing_segment_column": column},
        }

    def action_send_mailing(self, mailing_type="mail"):
        """Open a new Odoo mass mailing whose audience is this segment (resolved at send time)."""
        self.ensure_one()
        mailing = self.env["mailing.mailing"].create(
            {
                "name": self.name,
                "subject": self.name,
                "mailing_type": mailing_type,
                "mailing_model_id": self.env["ir.model"]._get_id(self.model_name),
                "mailing_domain": repr([("marketing_segment_ids", "in", self.ids)]),
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "mailing.mailing",
            "res_id": mailing.id,
            "view_mode": "form",
            "context": {"default_mailing_type": mailing_type},
        }

    def action_send_sms(self):
        return self.action_send_mailing("sms")
