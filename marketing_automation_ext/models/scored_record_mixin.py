from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..lib.scoring import GRADES


class MarketingScoredMixin(models.AbstractModel):
    """Score fields shared by contacts and leads; written only by the scoring engine.

    The score columns carry no index on purpose: the nightly rescore rewrites many
    rows, and unindexed columns let PostgreSQL update them in place (HOT) instead
    of touching every index of res_partner / crm_lead.
    """

    _name = "marketing.scored.mixin"
    _description = "Marketing Scored Record"

    marketing_score = fields.Integer(
        "Score",
        default=0,
        readonly=True,
        copy=False,
        help="Marketing score: profile fit plus engagement, with older engagement decaying.",
    )
    marketing_grade = fields.Selection(GRADES, string="Grade", default="cold", readonly=True, copy=False)
    marketing_score_date = fields.Datetime("Score Changed On", readonly=True, copy=False)

    marketing_segment_ids = fields.Many2many(
        "marketing.segment",
        string="Segments",
        compute="_compute_marketing_segment_ids",
        search="_search_marketing_segment_ids",
        help="Segments this record is currently a member of.",
    )
    marketing_score_breakdown = fields.Html(
        "Score Breakdown",
        compute="_compute_marketing_score_breakdown",
        sanitize=False,
        help="Points each rule gives this record right now.",
    )

    def _compute_marketing_segment_ids(self):
        column = SQL.identifier(self._score_line_field())
        self.env.cr.execute(
            SQL(
                """SELECT %s, array_agg(segment_id) FROM marketing_segment_member
                    WHERE %s = ANY(%s) AND date_exited IS NULL GROUP BY %s""",
                column,
                column,
                list(self._origin.ids),
                column,
            )
        )
        by_record = dict(self.env.cr.fetchall())
        for record in self:
            record.marketing_segment_ids = [(6, 0, by_record.get(record._origin.id, []))]

    def _search_marketing_segment_ids(self, operator, value):
        if operator not in ("in", "not in", "=", "!="):
            raise UserError(self.env._("Segments can only be searched with 'in', 'not in', '=' or '!='."))
        if isinstance(value, (int, str)):
            value = [value]
        segment_ids = []
        for item in value or []:
            if isinstance(item, str):
                segment_ids += self.env["marketing.segment"].search([("name", "ilike", item)]).ids
            elif item:
                segment_ids.append(int(item))
        column = SQL.identifier(self._score_line_field())
        members = SQL(
            "(SELECT %s FROM marketing_segment_member"
            " WHERE segment_id = ANY(%s) AND date_exited IS NULL AND %s IS NOT NULL)",
            column,
            segment_ids,
            column,
        )
        positive = operator in ("in", "=")
        return [("id", "in" if positive else "not in", members)]

    def _compute_marketing_score_breakdown(self):
        engine = self.env["marketing.score.rule"].sudo()
        for record in self:
            if not record.id:
                record.marketing_score_breakdown = False
                continue
            rows = engine._score_breakdown(record._name, record.id)
            record.marketing_score_breakdown = self._render_breakdown(rows)

    def _render_breakdown(self, rows):
        if not rows:
            return Markup("<p class='text-muted'>%s</p>") % self.env._("No rule gives points yet.")
        kinds = dict(self.env["marketing.score.rule"]._fields["rule_type"]._description_selection(self.env))
        body = Markup("").join(
            Markup(
                "<tr><td>%s</td><td>%s</td><td class='text-end'>%s</td><td>%s</td>"
                "<td class='text-end fw-bold %s'>%s</td></tr>"
            )
            % (
                row["rule"].name,
                kinds.get(row["rule"].rule_type, ""),
                row["events"] or "",
                fields.Datetime.to_string(fields.Datetime.context_timestamp(self, row["last_date"]))
                if row["last_date"]
                else "",
                "text-success" if row["points"] > 0 else "text-danger",
                "%+.1f" % row["points"],
            )
            for row in rows
        )
        total = sum(row["points"] for row in rows)
        head = Markup(
            "<tr><th>%s</th><th>%s</th><th class='text-end'>%s</th><th>%s</th><th class='text-end'>%s</th></tr>"
        ) % (
            self.env._("Rule"),
            self.env._("Kind"),
            self.env._("Events"),
            self.env._("Last event"),
            self.env._("Points"),
        )
        foot = Markup("<tr><td colspan='4' class='fw-bold'>%s</td><td class='text-end fw-bold'>%s</td></tr>") % (
            self.env._("Total"),
            escape("%.0f" % total),
        )
        return Markup(
            "<table class='table table-sm o_marketing_score_breakdown'><thead>%s</thead><tbody>%s</tbody>"
            "<tfoot>%s</tfoot></table>"
        ) % (head, body, foot)

    def _score_line_field(self):
        raise NotImplementedError

    def action_marketing_forget(self):
        """Erase what marketing knows about these records (the GDPR right to erasure when the record
        itself must stay, e.g. for invoices): touchpoints, score history, segment memberships and
        journey participations with their steps; the score goes back to zero.

        Managers only (they alone may delete touchpoints). Deleting the record does the same
        through the foreign keys (ON DELETE CASCADE).
        """
        self.check_access("write")
        self.env["marketing.event"].check_access("unlink")
        column = SQL.identifier(self._score_line_field())
        ids = list(self.ids)
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            SQL(
                """DELETE FROM marketing_workflow_participant
                    WHERE %(column)s = ANY(%(ids)s) OR (res_model = %(model)s AND res_id = ANY(%(ids)s))""",
                column=column,
                ids=ids,
                model=self._name,
            )
        )
        for table in ("marketing_event", "marketing_score_history"):
            cr.execute(SQL("DELETE FROM %s WHERE %s = ANY(%s)", SQL.identifier(table), column, ids))
        cr.execute(SQL("DELETE FROM marketing_segment_member WHERE %s = ANY(%s) RETURNING segment_id", column, ids))
        segments = self.env["marketing.segment"].browse({row[0] for row in cr.fetchall()})
        for segment in segments:
            segment._update_static_count()
        self.sudo().write(self._marketing_forget_values())
        self.env.invalidate_all()
        return True

    def _marketing_forget_values(self):
        return {"marketing_score": 0, "marketing_grade": "cold", "marketing_score_date": False}

    def action_marketing_rescore(self):
        """Recompute these records' scores now (profile and behaviour)."""
        self.check_access("read")  # the rescore runs as superuser: only on records the caller may see
        column = self._score_line_field()
        kwargs = {"partner_ids": set(), "lead_ids": set()}
        kwargs["partner_ids" if column == "partner_id" else "lead_ids"] = set(self.ids)
        self.env["marketing.score.rule"].sudo()._rescore(
            reason=self.env._("Recomputed by %s", self.env.user.name), **kwargs
        )
        return True

    @api.model
    def _marketing_events_action(self, domain):
        action = self.env["ir.actions.act_window"]._for_xml_id("marketing_automation_ext.marketing_event_action")
        action["domain"] = domain
        action["context"] = {"search_default_group_by_type": 0}
        return action
