from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL

CHANNELS = [("email", "Email"), ("sms", "SMS"), ("phone", "Phone")]


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "marketing.scored.mixin"]

    marketing_score_history_ids = fields.One2many("marketing.score.history", "partner_id", string="Score History")
    marketing_event_ids = fields.One2many("marketing.event", "partner_id", string="Marketing Events")
    marketing_event_count = fields.Integer("Event Count", compute="_compute_marketing_event_count")
    # yearly journeys (birthday template): a plain stored date, so it imports from a spreadsheet
    marketing_birthdate = fields.Date("Birth Date", help="Yearly journeys greet the contact on this day.")
    # best send time and channel: written by the recommendations cron (marketing.recommendation)
    marketing_best_weekday = fields.Integer("Best Weekday", default=-1, readonly=True, copy=False)
    marketing_best_hour = fields.Integer("Best Hour", readonly=True, copy=False)
    marketing_best_confidence = fields.Float("Send Time Confidence", readonly=True, copy=False)
    marketing_best_tz = fields.Char("Send Time Zone", readonly=True, copy=False)
    marketing_preferred_channel = fields.Selection(CHANNELS, string="Preferred Channel", readonly=True, copy=False)
    marketing_channel_reason = fields.Char("Why This Channel", readonly=True, copy=False)
    marketing_send_time_date = fields.Datetime("Recommendations Computed On", readonly=True, copy=False)
    marketing_best_time = fields.Char(
        "Best Time",
        compute="_compute_marketing_best_time",
        help="The local hour of the week in which this contact most likely reads, learned from when messages "
        "were sent and when they were opened (corrected for the hours the company usually sends at).",
    )
    marketing_engagement_heatmap = fields.Html(
        "Engagement by Weekday and Hour", compute="_compute_marketing_engagement_heatmap", sanitize=False
    )

    def _score_line_field(self):
        return "partner_id"

    def _marketing_forget_values(self):
        # the learned habits go too; the recommendations cron relearns from nothing
        return {
            **super()._marketing_forget_values(),
            "marketing_best_weekday": -1,
            "marketing_best_hour": 0,
            "marketing_best_confidence": 0.0,
            "marketing_best_tz": False,
            "marketing_preferred_channel": False,
            "marketing_channel_reason": False,
            "marketing_send_time_date": False,
        }

    @api.depends_context("uid")
    def _compute_marketing_event_count(self):
        counts = dict(
            self.env["marketing.event"]._read_group([("partner_id", "in", self.ids)], ["partner_id"], ["__count"])
        )
        for partner in self:
            partner.marketing_event_count = counts.get(partner, 0)

    @api.depends("marketing_best_weekday", "marketing_best_hour", "marketing_best_confidence", "marketing_best_tz")
    def _compute_marketing_best_time(self):
        levels = ((0.75, self.env._("high")), (0.4, self.env._("medium")), (0.0, self.env._("low")))
        for partner in self:
            if not 0 <= partner.marketing_best_weekday <= 6:
                partner.marketing_best_time = False
                continue
            if partner.marketing_best_confidence < 0.01:
                partner.marketing_best_time = self.env._(
                    "%(day)s %(start)02d:00–%(end)02d:00 (%(zone)s), when contacts usually read: no history of its own",
                    day=self._marketing_weekday_names()[partner.marketing_best_weekday],
                    start=partner.marketing_best_hour,
                    end=(partner.marketing_best_hour + 1) % 24,
                    zone=partner.marketing_best_tz or "UTC",
                )
                continue
            level = next(label for floor, label in levels if partner.marketing_best_confidence >= floor)
            partner.marketing_best_time = self.env._(
                "%(day)s %(start)02d:00–%(end)02d:00 (%(zone)s), confidence %(level)s",
                day=self._marketing_weekday_names()[partner.marketing_best_weekday],
                start=partner.marketing_best_hour,
                end=(partner.marketing_best_hour + 1) % 24,
                zone=partner.marketing_best_tz or "UTC",
                level=level,
            )

    def _marketing_weekday_names(self):
        return [
            self.env._("Mon"),
            self.env._("Tue"),
            self.env._("Wed"),
            self.env._("Thu"),
            self.env._("Fri"),
            self.env._("Sat"),
            self.env._("Sun"),
        ]

    def _compute_marketing_engagement_heatmap(self):
        for partner in self:
            partner.marketing_engagement_heatmap = self._marketing_heatmap_html(
                self._marketing_heatmap_counts([partner._origin.id], partner.marketing_best_tz or partner.tz)
            )

    @api.model
    def _marketing_heatmap_counts(self, partners, zone):
        """{(weekday 0=Mon, hour): opens, clicks and replies} in ``zone``'s local time.

        ``partners``: a list of ids, or an SQL query selecting them (a segment's members)."""
        if isinstance(partners, list):
            if not partners or not all(isinstance(pid, int) for pid in partners):
                return {}
            partners = SQL("SELECT unnest(%s::int[])", partners)
        self.env.cr.execute(
            SQL(
                """SELECT (extract(isodow FROM local)::int - 1), extract(hour FROM local)::int, count(*)
                     FROM (SELECT (e.date AT TIME ZONE 'UTC') AT TIME ZONE %s AS local FROM marketing_event e
                            WHERE e.partner_id IN (%s)
                                  AND e.event_type IN ('email_open', 'email_click', 'email_reply', 'sms_click')) t
                    GROUP BY 1, 2""",
                zone if zone in _pg_zones(self.env.cr) else "UTC",
                partners,
            )
        )
        return {(day, hour): count for day, hour, count in self.env.cr.fetchall()}

    @api.model
    def _marketing_heatmap_html(self, counts):
        if not counts:
            return Markup('<p class="text-muted">%s</p>') % self.env._("No opens or clicks yet.")
        peak = max(counts.values())
        head = Markup("").join(Markup('<th class="text-center">%s</th>') % hour for hour in range(24))
        body = Markup("")
        for day, name in enumerate(self._marketing_weekday_names()):
            cells = Markup("")
            for hour in range(24):
                count = counts.get((day, hour), 0)
                alpha = 0.12 + 0.88 * count / peak if count else 0
                style = "background-color: rgba(113, 75, 103, %.2f);%s" % (
                    alpha,
                    " color: #fff;" if alpha > 0.5 else "",
                )
                style = style if count else ""
                cells += Markup('<td class="o_ma_heat text-center" style="%s" title="%s">%s</td>') % (
                    style,
                    self.env._("%(day)s %(hour)02d:00 — %(count)s", day=name, hour=hour, count=count),
                    count or "",
                )
            body += Markup("<tr><th>%s</th>%s</tr>") % (name, cells)
        return Markup(
            '<table class="table table-sm table-bordered o_ma_heatmap small"><thead><tr><th/>%s</tr></thead>'
            "<tbody>%s</tbody></table>"
        ) % (head, body)

    def action_marketing_recompute_recommendations(self):
        self.check_access("read")  # the recompute runs as superuser: only on contacts the caller may see
        self.env["marketing.recommendation"].sudo()._recompute(self.ids, fields.Datetime.now())
        return True

    def action_view_marketing_events(self):
        self.ensure_one()
        return self._marketing_events_action([("partner_id", "=", self.id)])


def _pg_zones(cr):
    """The time zone names PostgreSQL knows (a contact's tz is free text to the database)."""
    cache = getattr(_pg_zones, "cache", None)
    if cache is None:
        cr.execute("SELECT name FROM pg_timezone_names")
        cache = _pg_zones.cache = frozenset(row[0] for row in cr.fetchall())
    return cache
