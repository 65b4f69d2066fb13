from odoo import api, fields, models

from ..lib.scoring import GRADES


class MarketingScoredMixin(models.AbstractModel):
    """Score fields shared by contacts and leads; written only by the scoring engine."""

    _name = "marketing.scored.mixin"
    _description = "Marketing Scored Record"

    marketing_score = fields.Integer(
        "Score",
        default=0,
        readonly=True,
        index=True,
        copy=False,
        help="Marketing score: profile fit plus engagement, with older engagement decaying.",
    )
    marketing_grade = fields.Selection(GRADES, string="Grade", default="cold", readonly=True, index=True, copy=False)
    marketing_score_date = fields.Datetime("Score Changed On", readonly=True, copy=False)

    def _score_line_field(self):
        raise NotImplementedError

    def action_marketing_rescore(self):
        """Recompute these records' scores now (profile and behaviour)."""
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
