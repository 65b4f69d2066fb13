from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL
from odoo.tools.misc import get_lang

from ..lib.attribution import (
    ATTRIBUTION_MODELS,
    attribute,
    funnel_drop_off,
    quarter_bounds,
    quarter_label,
    roi,
    week_starts,
)

# touchpoints that count as a person engaging with a message (attribution touches, heatmap)
ENGAGEMENT_EVENTS = ("email_open", "email_click", "email_reply", "sms_click")
FUNNEL_STAGES = ("reached", "sent", "delivered", "opened", "clicked", "replied", "converted")
# mailing.trace statuses: the message left / reached the inbox
SENT_EXCLUDED = ("cancel", "error", "outgoing")
DELIVERED = ("sent", "open", "reply")
# a touchpoint of a won lead: on the lead itself or on its contact, before the win
LEAD_TOUCH = (
    "(e.lead_id = l.id OR (l.partner_id IS NOT NULL AND e.partner_id = l.partner_id)) AND e.date <= l.date_closed"
)
DEFAULT_PERIOD_DAYS = 90
MAX_PERIOD_DAYS = 3 * 366


class MarketingDashboard(models.AbstractModel):
    """The marketing dashboard's figures: one call, a fixed number of SQL queries whatever the rows.

    ``get_dashboard_data`` returns every figure of the screen; ``action_open_figure`` returns the
    window action listing the records behind one figure (the dashboard's click-through), so each
    number and its list come from the same definitions.
    """

    _name = "marketing.dashboard"
    _description = "Marketing Dashboard"

    # ------------------------------------------------------------------
    # Filters
    # ------------------------------------------------------------------

    @api.model
    def _check_dashboard_access(self):
        if not self.env.user.has_group("marketing_automation_ext.group_marketing_automation_user"):
            raise AccessError(self.env._("The marketing dashboard is for marketing automation users."))

    @api.model
    def _parse_filters(self, filters):
        """Validated filters: period (dates, both included), journeys, segment, salesperson, attribution."""
        filters = dict(filters or {})
        today = fields.Date.context_today(self)
        try:
            date_to = fields.Date.to_date(filters.get("date_to")) or today
            date_from = fields.Date.to_date(filters.get("date_from")) or date_to - timedelta(days=DEFAULT_PERIOD_DAYS)
        except (TypeError, ValueError) as error:
            raise UserError(self.env._("The period's dates are not valid dates: %s", error)) from error
        if date_from > date_to:
            raise UserError(self.env._("The period starts after it ends."))
        if (date_to - date_from).days > MAX_PERIOD_DAYS:
            raise UserError(self.env._("Choose a period of three years at most."))
        model = filters.get("attribution") or "linear"
        if model not in ATTRIBUTION_MODELS:
            raise UserError(self.env._("Unknown attribution model: %s", model))

        def ids(value):
            if not value:
                return []
            values = value if isinstance(value, (list, tuple)) else [value]
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                raise UserError(self.env._("Filters take record ids (integers)."))
            return list(values)

        segment_ids = ids(filters.get("segment_id"))
        user_ids = ids(filters.get("user_id"))
        # journeys the user may see (record rules): every figure stays inside them
        domain = [("id", "in", ids(filters.get("workflow_ids")))] if filters.get("workflow_ids") else []
        workflows = self.env["marketing.workflow"].with_context(active_test=False).search(domain)
        return {
            "date_from": date_from,
            "date_to": date_to,
            # UTC bounds of the period in the user's time zone
            "start": self._utc(date_from),
            "end": self._utc(date_to + timedelta(days=1)),
            "workflows": workflows,
            "workflow_filter": bool(filters.get("workflow_ids")),
            "segment_id": segment_ids[0] if segment_ids else False,
            "user_id": user_ids[0] if user_ids else False,
            "attribution": model,
        }

    @api.model
    def _tz(self):
        tz = self.env.context.get("tz") or self.env.user.tz or "UTC"
        return tz if tz in pytz.all_timezones_set else "UTC"

    @api.model
    def _utc(self, day):
        local = pytz.timezone(self._tz()).localize(datetime.combine(day, time.min))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    def _person_filters(self, f, partner, lead):
        """SQL conditions for the segment and salesperson filters on a person (partner and lead columns)."""
        conditions = []
        if f["segment_id"]:
            conditions.append(
                SQL(
                    """EXISTS (SELECT 1 FROM marketing_segment_member m
                                WHERE m.segment_id = %s AND m.date_exited IS NULL
                                  AND (m.partner_id = %s OR m.lead_id = %s))""",
                    f["segment_id"],
                    partner,
                    lead,
                )
            )
        if f["user_id"]:
            conditions.append(
                SQL(
                    """CASE WHEN %s IS NOT NULL THEN (SELECT user_id FROM crm_lead WHERE id = %s)
                            ELSE (SELECT user_id FROM res_partner WHERE id = %s) END = %s""",
                    lead,
                    lead,
                    partner,
                    f["user_id"],
                )
            )
        return SQL(" AND ").join(conditions) if conditions else SQL("TRUE")

    def _participant_scope(self, f, alias="p"):
        p = lambda column: SQL.identifier(alias, column)  # noqa: E731
        return SQL(
            "%s IS NOT TRUE AND %s = ANY(%s) AND %s >= %s AND %s < %s AND %s",
            p("is_test"),
            p("workflow_id"),
            f["workflows"].ids,
            p("date_enrolled"),
            f["start"],
            p("date_enrolled"),
            f["end"],
            self._person_filters(f, p("partner_id"), p("lead_id")),
        )

    # ------------------------------------------------------------------
    # The figures
    # ------------------------------------------------------------------

    @api.model
    def get_dashboard_data(self, filters=None):
        """Every figure of the dashboard for these filters (see _parse_filters), in a fixed number of queries."""
        self._check_dashboard_access()
        # raw SQL below: pending ORM writes first
        self.env.flush_all()
        f = self._parse_filters(filters)
        weeks = week_starts(f["date_from"], f["date_to"])
        revenue = self._revenue_figures(f)
        by_journey = revenue["by_journey"]
        journeys = self._journey_figures(f, weeks, by_journey)
        total_participants = sum(j["participants"] for j in journeys)
        total_converted = sum(j["converted"] for j in journeys)
        cost = sum(j["cost"] for j in journeys)
        attributed = sum(j["revenue"] for j in journeys)
        quarters = self._quarter_figures(f, revenue)
        return {
            "filters": {
                "date_from": fields.Date.to_string(f["date_from"]),
                "date_to": fields.Date.to_string(f["date_to"]),
                "workflow_ids": f["workflows"].ids if f["workflow_filter"] else [],
                "segment_id": f["segment_id"],
                "user_id": f["user_id"],
                "attribution": f["attribution"],
            },
            "currency": self._currency(),
            "kpis": {
                "active_journeys": sum(1 for j in journeys if j["state"] == "running"),
                "participants": total_participants,
                "converted": total_converted,
                "conversion_rate": round(100.0 * total_converted / total_participants, 1)
                if total_participants
                else 0.0,
                "revenue": round(attributed, 2),
                "cost": round(cost, 2),
                "roi": roi(attributed, cost),
            },
            "weeks": [fields.Date.to_string(week) for week in weeks],
            "journeys": journeys,
            "funnels": self._funnel_figures(f, journeys),
            "revenue": revenue,
            "quarters": quarters,
            "grades": self._grade_figures(f, weeks),
            "segments": self._segment_figures(f),
            "heatmap": self._heatmap_figures(f),
        }

    def _currency(self):
        currency = self.env.company.currency_id
        return {"symbol": currency.symbol, "position": currency.position, "digits": currency.decimal_places}

    def _journey_figures(self, f, weeks, by_journey):
        """Per journey: participants and conversions in the period, participants per week (the trend),
        attributed revenue, cost and ROI. Journeys without participants or revenue in the period are
        left out unless they are running or chosen in the filter."""
        workflows = f["workflows"]
        self.env.cr.execute(
            SQL(
                """SELECT p.workflow_id, date_trunc('week', p.date_enrolled)::date, count(*),
                          count(*) FILTER (WHERE p.state = 'converted')
                     FROM marketing_workflow_participant p
                    WHERE %s
                    GROUP BY 1, 2""",
                self._participant_scope(f),
            )
        )
        rows = self.env.cr.fetchall()
        week_index = {week: index for index, week in enumerate(weeks)}
        figures = {
            w.id: {
                "id": w.id,
                "name": w.name,
                "state": w.state,
                "cost": w.cost_total,
                "participants": 0,
                "converted": 0,
                "trend": [0] * len(weeks),
            }
            for w in workflows
        }
        for workflow_id, week, count, converted in rows:
            figure = figures[workflow_id]
            figure["participants"] += count
            figure["converted"] += converted
            if week in week_index:
                figure["trend"][week_index[week]] += count
        for figure in figures.values():
            figure["revenue"] = round(by_journey.get(figure["id"], 0.0), 2)
            figure["roi"] = roi(figure["revenue"], figure["cost"])
        journeys = [
            figure
            for figure in figures.values()
            if figure["participants"] or figure["revenue"] or figure["state"] == "running" or f["workflow_filter"]
        ]
        for journey in journeys:
            journey["conversion_rate"] = (
                round(100.0 * journey["converted"] / journey["participants"], 1) if journey["participants"] else 0.0
            )
        journeys.sort(key=lambda j: (-j["participants"], j["name"]))
        return journeys

    def _funnel_figures(self, f, journeys):
        """Per journey, distinct participants at each stage: reached, sent, delivered, opened, clicked, replied,
        converted (a participant counts once per stage whatever the number of messages)."""
        self.env.cr.execute(
            SQL(
                """SELECT p.workflow_id, count(DISTINCT p.id),
                          count(DISTINCT p.id) FILTER (WHERE mt.trace_status NOT IN %(sent_excluded)s),
                          count(DISTINCT p.id) FILTER (WHERE mt.trace_status IN %(delivered)s),
                          count(DISTINCT p.id) FILTER (WHERE mt.open_datetime IS NOT NULL
                                                          OR mt.trace_status IN ('open', 'reply')),
                          count(DISTINCT p.id) FILTER (WHERE mt.links_click_datetime IS NOT NULL),
                          count(DISTINCT p.id) FILTER (WHERE mt.trace_status = 'reply'),
                          count(DISTINCT p.id) FILTER (WHERE p.state = 'converted')
                     FROM marketing_workflow_participant p
                     LEFT JOIN marketing_workflow_trace t ON t.participant_id = p.id
                     LEFT JOIN mailing_trace mt ON mt.marketing_workflow_trace_id = t.id
                    WHERE %(scope)s
                    GROUP BY 1""",
                sent_excluded=SENT_EXCLUDED,
                delivered=DELIVERED,
                scope=self._participant_scope(f),
            )
        )
        counts = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        funnels = {}
        for journey in journeys:
            values = counts.get(journey["id"], (0,) * len(FUNNEL_STAGES))
            funnels[journey["id"]] = [
                {"stage": stage, "count": count, "share": share, "drop": drop}
                for stage, count, share, drop in funnel_drop_off(list(zip(FUNNEL_STAGES, values, strict=True)))
            ]
        return funnels

    def _won_leads_query(self, f, start, end):
        """The won leads closed in [start, end) the user may see (CRM record rules), as an SQL subquery."""
        domain = [("stage_id.is_won", "=", True), ("date_closed", ">=", start), ("date_closed", "<", end)]
        if f["user_id"]:
            domain.append(("user_id", "=", f["user_id"]))
        return self.env["crm.lead"]._search(domain).select(SQL('"crm_lead"."id"'))

    def _revenue_figures(self, f):
        """Revenue of the won leads shared among the messages that touched them (engagement touchpoints of
        the lead or its contact before the win): per mailing, journey and UTM campaign, for the period and
        for the current and previous quarters."""
        today = fields.Date.context_today(self)
        previous_start, _ = quarter_bounds(today, -1)
        start = min(f["start"], self._utc(previous_start))
        end = max(f["end"], self._utc(quarter_bounds(today)[1]))
        self.env.cr.execute(
            SQL(
                """SELECT l.id, l.date_closed, COALESCE(l.expected_revenue, 0),
                          ARRAY(SELECT t.mailing_id FROM (
                                    -- the lead's touches and its contact's: a UNION, one index each
                                    -- (an OR of both scans as one: a third slower at 20k won leads)
                                    SELECT e.id, e.date, e.mailing_id FROM marketing_event e
                                     WHERE e.lead_id = l.id AND %(touched)s
                                    UNION
                                    SELECT e.id, e.date, e.mailing_id FROM marketing_event e
                                     WHERE e.partner_id = l.partner_id AND %(touched)s
                                 ) t ORDER BY t.date, t.id)
                     FROM crm_lead l
                    WHERE l.id IN (%(won)s) AND %(person)s""",
                touched=SQL(
                    "e.date <= l.date_closed AND e.mailing_id IS NOT NULL AND e.event_type IN %s", ENGAGEMENT_EVENTS
                ),
                won=self._won_leads_query(f, start, end),
                person=self._person_filters(f, SQL("l.partner_id"), SQL("l.id")),
            )
        )
        leads = self.env.cr.fetchall()
        # other revenue, e.g. confirmed sale orders (marketing_automation_ext_sale): same row shape
        others = self._other_revenue(f, start, end)
        leads += others
        mailing_ids = sorted({m for _lead, _date, _revenue, touches in leads for m in touches})
        mailings = {}
        if mailing_ids:
            self.env.cr.execute(
                """SELECT m.id, m.subject, m.marketing_workflow_id, m.campaign_id, c.name
                     FROM mailing_mailing m LEFT JOIN utm_campaign c ON c.id = m.campaign_id
                    WHERE m.id = ANY(%s)""",
                [mailing_ids],
            )
            mailings = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        start_utc, end_utc = f["start"], f["end"]
        in_period = [
            (lead, revenue, touches) for lead, closed, revenue, touches in leads if start_utc <= closed < end_utc
        ]
        shares, unattributed = attribute([(r, t) for _l, r, t in in_period], f["attribution"])
        allowed = set(f["workflows"].ids)
        by_journey, by_mailing, by_campaign = {}, [], {}
        for mailing_id, amount in shares.items():
            name, workflow_id, campaign_id, campaign_name = mailings.get(mailing_id, ("?", None, None, None))
            if workflow_id:
                by_journey[workflow_id] = by_journey.get(workflow_id, 0.0) + amount
            if f["workflow_filter"] and workflow_id not in allowed:
                continue
            by_mailing.append({"id": mailing_id, "name": name, "workflow_id": workflow_id, "revenue": round(amount, 2)})
            if campaign_id:
                entry = by_campaign.setdefault(campaign_id, {"id": campaign_id, "name": campaign_name, "revenue": 0.0})
                entry["revenue"] += amount
        by_mailing.sort(key=lambda row: -row["revenue"])
        campaigns = sorted(by_campaign.values(), key=lambda row: -row["revenue"])
        for campaign in campaigns:
            campaign["revenue"] = round(campaign["revenue"], 2)
        won = [row for row in in_period if isinstance(row[0], int)]
        return {
            "model": f["attribution"],
            "won_count": len(won),
            "won_revenue": round(sum(r for _l, r, _t in won), 2),
            "order_count": len(in_period) - len(won),
            "order_revenue": round(sum(r for _l, r, _t in in_period) - sum(r for _l, r, _t in won), 2),
            "unattributed": round(unattributed, 2),
            "by_journey": by_journey,
            "by_mailing": by_mailing,
            "by_campaign": campaigns,
            # per quarter, for the comparison
            "_leads": leads,
            "_mailings": mailings,
        }

    def _other_revenue(self, f, start, end):
        """Revenue besides won leads, closed in [start, end): rows ``((model, id), date, amount, [mailing ids of
        the engagement touches before it, oldest first])``, attributed with the won leads. None here."""
        return []

    def _quarter_figures(self, f, revenue):
        """This quarter against the previous one: participants, conversions, attributed revenue, cost, ROI."""
        today = fields.Date.context_today(self)
        leads = revenue.pop("_leads")
        mailings = revenue.pop("_mailings")
        revenue["by_journey"] = {str(k): round(v, 2) for k, v in revenue["by_journey"].items()}
        allowed = set(f["workflows"].ids)
        bounds = [quarter_bounds(today, -1), quarter_bounds(today)]
        utc_bounds = [(self._utc(start), self._utc(end)) for start, end in bounds]
        self.env.cr.execute(
            SQL(
                """SELECT count(*) FILTER (WHERE p.date_enrolled >= %(s0)s AND p.date_enrolled < %(e0)s),
                          count(*) FILTER (WHERE p.date_enrolled >= %(s0)s AND p.date_enrolled < %(e0)s
                                             AND p.state = 'converted'),
                          count(*) FILTER (WHERE p.date_enrolled >= %(s1)s AND p.date_enrolled < %(e1)s),
                          count(*) FILTER (WHERE p.date_enrolled >= %(s1)s AND p.date_enrolled < %(e1)s
                                             AND p.state = 'converted')
                     FROM marketing_workflow_participant p
                    WHERE p.is_test IS NOT TRUE AND p.workflow_id = ANY(%(workflows)s)
                      AND p.date_enrolled >= %(s0)s AND p.date_enrolled < %(e1)s AND %(person)s""",
                s0=utc_bounds[0][0],
                e0=utc_bounds[0][1],
                s1=utc_bounds[1][0],
                e1=utc_bounds[1][1],
                workflows=f["workflows"].ids,
                person=self._person_filters(f, SQL("p.partner_id"), SQL("p.lead_id")),
            )
        )
        counts = self.env.cr.fetchone()
        cost = sum(f["workflows"].mapped("cost_total"))
        quarters = []
        for index, ((start, _end), (start_utc, end_utc)) in enumerate(zip(bounds, utc_bounds, strict=True)):
            closed = [(r, t) for _l, date_closed, r, t in leads if start_utc <= date_closed < end_utc]
            shares, _unattributed = attribute(closed, f["attribution"])
            attributed = sum(
                amount for mailing_id, amount in shares.items() if mailings.get(mailing_id, (0, None))[1] in allowed
            )
            participants, converted = counts[2 * index], counts[2 * index + 1]
            quarters.append(
                {
                    "label": quarter_label(start),
                    "date_from": fields.Date.to_string(start),
                    "participants": participants,
                    "converted": converted,
                    "conversion_rate": round(100.0 * converted / participants, 1) if participants else 0.0,
                    "revenue": round(attributed, 2),
                }
            )
        # a journey's cost is not dated: ROI per quarter compares each quarter's revenue with it
        for quarter in quarters:
            quarter["roi"] = roi(quarter["revenue"], cost)
        return quarters

    def _grade_figures(self, f, weeks):
        """Contacts per grade at the end of each week, from the score history (a contact's score is its last
        change before that moment)."""
        warm, hot = self.env["marketing.score.rule"]._thresholds()
        week_ends = [self._utc(min(week + timedelta(days=7), f["date_to"] + timedelta(days=1))) for week in weeks]
        self.env.cr.execute(
            SQL(
                """WITH h AS (
                       SELECT h.partner_id, h.date, h.score,
                              lead(h.date) OVER (PARTITION BY h.partner_id ORDER BY h.date, h.id) AS until
                         FROM marketing_score_history h
                        WHERE h.partner_id IS NOT NULL AND h.date < %(last)s AND %(person)s
                   )
                   SELECT w.i, CASE WHEN h.score >= %(hot)s THEN 'hot' WHEN h.score >= %(warm)s THEN 'warm'
                                    ELSE 'cold' END, count(*)
                     FROM unnest(%(ends)s::timestamp[]) WITH ORDINALITY AS w(week_end, i)
                     JOIN h ON h.date < w.week_end AND (h.until IS NULL OR h.until >= w.week_end)
                    GROUP BY 1, 2""",
                last=week_ends[-1] if week_ends else f["end"],
                person=self._person_filters(f, SQL("h.partner_id"), SQL("NULL::int")),
                hot=hot,
                warm=warm,
                ends=week_ends,
            )
        )
        grades = {grade: [0] * len(weeks) for grade in ("hot", "warm", "cold")}
        for index, grade, count in self.env.cr.fetchall():
            grades[grade][index - 1] = count
        return grades

    def _segment_figures(self, f):
        """Each segment's size after each refresh in the period (the last refresh of each day)."""
        segment_domain = [("id", "=", f["segment_id"])] if f["segment_id"] else []
        segments = self.env["marketing.segment"].search(segment_domain)
        self.env.cr.execute(
            """SELECT DISTINCT ON (c.segment_id, c.date::date) c.segment_id, c.date::date, c.member_count
                 FROM marketing_segment_count c
                WHERE c.segment_id = ANY(%s) AND c.date >= %s AND c.date < %s
                ORDER BY c.segment_id, c.date::date, c.date DESC, c.id DESC""",
            [segments.ids, f["start"], f["end"]],
        )
        points = {}
        for segment_id, day, count in self.env.cr.fetchall():
            points.setdefault(segment_id, []).append([fields.Date.to_string(day), count])
        return [
            {"id": segment.id, "name": segment.name, "points": points[segment.id]}
            for segment in segments
            if segment.id in points
        ]

    def _heatmap_figures(self, f):
        """Engagement touchpoints per weekday (0 = Monday) and hour of the day, in the user's time zone."""
        conditions = [
            SQL("e.event_type IN %s", ENGAGEMENT_EVENTS),
            SQL("e.date >= %s AND e.date < %s", f["start"], f["end"]),
            SQL("(e.company_id IS NULL OR e.company_id = ANY(%s))", self.env.companies.ids),
            self._person_filters(f, SQL("e.partner_id"), SQL("e.lead_id")),
        ]
        if f["workflow_filter"]:
            conditions.append(
                SQL(
                    "e.mailing_id IN (SELECT id FROM mailing_mailing WHERE marketing_workflow_id = ANY(%s))",
                    f["workflows"].ids,
                )
            )
        self.env.cr.execute(
            SQL(
                """SELECT mod(extract(isodow FROM local)::int + 6, 7), extract(hour FROM local)::int, count(*)
                     FROM (SELECT timezone(%s, timezone('UTC', e.date)) AS local
                             FROM marketing_event e WHERE %s) l
                    GROUP BY 1, 2""",
                self._tz(),
                SQL(" AND ").join(conditions),
            )
        )
        grid = [[0] * 24 for _day in range(7)]
        for day, hour, count in self.env.cr.fetchall():
            grid[day][hour] = count
        return grid

    # ------------------------------------------------------------------
    # Click-through
    # ------------------------------------------------------------------

    @api.model
    def action_open_figure(self, figure, key=None, filters=None):
        """The window action listing the records behind one figure of the dashboard.

        ``figure``: participants | converted | funnel | revenue | grade | segment | heatmap;
        ``key``: which bar or cell (a dict, see each branch).
        """
        self._check_dashboard_access()
        self.env.flush_all()
        f = self._parse_filters(filters)
        key = key or {}
        period = [("date_enrolled", ">=", f["start"]), ("date_enrolled", "<", f["end"]), ("is_test", "=", False)]
        workflow_ids = [key["workflow_id"]] if key.get("workflow_id") else f["workflows"].ids
        participants = [("workflow_id", "in", workflow_ids), *period, *self._person_domain(f)]
        if figure in ("participants", "converted"):
            domain = participants + ([("state", "=", "converted")] if figure == "converted" else [])
            return self._window(self.env._("Participants"), "marketing.workflow.participant", domain)
        if figure == "funnel":
            stage = key.get("stage")
            if stage not in FUNNEL_STAGES:
                raise UserError(self.env._("Unknown funnel stage: %s", stage))
            prefix = "trace_ids.mailing_trace_ids."
            stage_domain = {
                "reached": [],
                "sent": [(prefix + "trace_status", "not in", list(SENT_EXCLUDED))],
                "delivered": [(prefix + "trace_status", "in", list(DELIVERED))],
                "opened": [
                    "|",
                    (prefix + "open_datetime", "!=", False),
                    (prefix + "trace_status", "in", ["open", "reply"]),
                ],
                "clicked": [(prefix + "links_click_datetime", "!=", False)],
                "replied": [(prefix + "trace_status", "=", "reply")],
                "converted": [("state", "=", "converted")],
            }[stage]
            return self._window(
                self.env._("Participants"), "marketing.workflow.participant", participants + stage_domain
            )
        if figure == "revenue":
            return self._window(self.env._("Won leads"), "crm.lead", self._revenue_domain(f, key))
        if figure == "grade":
            return self._window(self.env._("Score history"), "marketing.score.history", self._grade_domain(f, key))
        if figure == "segment":
            day = fields.Date.to_date(key.get("date"))
            moment = self._utc(day + timedelta(days=1))
            domain = [
                ("segment_id", "=", key.get("segment_id")),
                ("date_entered", "<", moment),
                "|",
                ("date_exited", "=", False),
                ("date_exited", ">=", moment),
            ]
            return self._window(self.env._("Segment members"), "marketing.segment.member", domain)
        if figure == "heatmap":
            return self._window(self.env._("Engagement Log"), "marketing.event", self._heatmap_domain(f, key))
        raise UserError(self.env._("Unknown dashboard figure: %s", figure))

    def _person_domain(self, f, partner="partner_id", lead="lead_id"):
        domain = []
        if f["segment_id"]:
            members = self.env["marketing.segment.member"].search(
                [("segment_id", "=", f["segment_id"]), ("date_exited", "=", False)]
            )
            domain += [
                "|",
                (partner, "in", members.partner_id.ids),
                (lead, "in", members.lead_id.ids),
            ]
        if f["user_id"]:
            domain += [
                "|",
                "&",
                (lead, "!=", False),
                (lead + ".user_id", "=", f["user_id"]),
                "&",
                (lead, "=", False),
                (partner + ".user_id", "=", f["user_id"]),
            ]
        return domain

    def _revenue_domain(self, f, key):
        """Won leads of the period touched by the mailing / journey / campaign of ``key``."""
        self.env.cr.execute(
            SQL(
                """SELECT l.id FROM crm_lead l
                    WHERE l.id IN (%(won)s) AND %(person)s
                      AND EXISTS (SELECT 1 FROM marketing_event e JOIN mailing_mailing m ON m.id = e.mailing_id
                                   WHERE %(touch)s AND e.event_type IN %(types)s AND %(which)s)""",
                touch=SQL(LEAD_TOUCH),
                won=self._won_leads_query(f, f["start"], f["end"]),
                person=self._person_filters(f, SQL("l.partner_id"), SQL("l.id")),
                types=ENGAGEMENT_EVENTS,
                which=(
                    SQL("m.id = %s", key["mailing_id"])
                    if key.get("mailing_id")
                    else SQL("m.campaign_id = %s", key["campaign_id"])
                    if key.get("campaign_id")
                    else SQL(
                        "m.marketing_workflow_id = ANY(%s)",
                        [key["workflow_id"]] if key.get("workflow_id") else f["workflows"].ids,
                    )
                ),
            )
        )
        return [("id", "in", [row[0] for row in self.env.cr.fetchall()])]

    def _grade_domain(self, f, key):
        """The score history rows that give each contact of grade ``key['grade']`` its score at the end of
        week ``key['week']``."""
        warm, hot = self.env["marketing.score.rule"]._thresholds()
        week = fields.Date.to_date(key.get("week"))
        week_end = self._utc(min(week + timedelta(days=7), f["date_to"] + timedelta(days=1)))
        bounds = {"hot": (hot, None), "warm": (warm, hot), "cold": (None, warm)}.get(key.get("grade"))
        if not bounds:
            raise UserError(self.env._("Unknown grade: %s", key.get("grade")))
        low, high = bounds
        self.env.cr.execute(
            SQL(
                """SELECT id FROM (
                       SELECT h.id, h.score,
                              lead(h.date) OVER (PARTITION BY h.partner_id ORDER BY h.date, h.id) AS until
                         FROM marketing_score_history h
                        WHERE h.partner_id IS NOT NULL AND h.date < %(end)s AND %(person)s
                   ) h
                    WHERE (h.until IS NULL OR h.until >= %(end)s) AND %(low)s AND %(high)s""",
                end=week_end,
                person=self._person_filters(f, SQL("h.partner_id"), SQL("NULL::int")),
                low=SQL("h.score >= %s", low) if low is not None else SQL("TRUE"),
                high=SQL("h.score < %s", high) if high is not None else SQL("TRUE"),
            )
        )
        return [("id", "in", [row[0] for row in self.env.cr.fetchall()])]

    def _heatmap_domain(self, f, key):
        day, hour = key.get("day"), key.get("hour")
        if not (isinstance(day, int) and 0 <= day < 7 and isinstance(hour, int) and 0 <= hour < 24):
            raise UserError(self.env._("A heatmap cell is a weekday (0-6) and an hour (0-23)."))
        # Odoo's day_of_week counts from the language's first day of the week (Monday = 1 … Sunday = 7)
        week_start = int(get_lang(self.env).week_start)
        odoo_day = (7 - week_start + (day + 1) % 7) % 7
        domain = [
            ("event_type", "in", list(ENGAGEMENT_EVENTS)),
            ("date", ">=", f["start"]),
            ("date", "<", f["end"]),
            ("date.day_of_week", "=", odoo_day),
            ("date.hour_number", "=", hour),
            *self._person_domain(f),
        ]
        if f["workflow_filter"]:
            domain.append(("mailing_id.marketing_workflow_id", "in", f["workflows"].ids))
        return domain

    def _window(self, name, model, domain):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "views": [[False, "list"], [False, "form"]],
            "domain": domain,
            "context": {"create": False, "tz": self._tz()},
            "target": "current",
        }
