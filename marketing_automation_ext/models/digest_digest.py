from datetime import timedelta

from odoo import fields, models
from odoo.exceptions import AccessError

MARKETING_GROUP = "marketing_automation_ext.group_marketing_automation_user"


class DigestDigest(models.Model):
    """Marketing KPIs in Odoo's periodic digest e-mail: leads that turned hot, journey conversions,
    revenue attributed to journeys (linear attribution, as the dashboard's default)."""

    _inherit = "digest.digest"

    kpi_marketing_hot_leads = fields.Boolean("New Hot Leads")
    kpi_marketing_hot_leads_value = fields.Integer(compute="_compute_kpi_marketing_hot_leads_value")
    kpi_marketing_conversions = fields.Boolean("Journey Conversions")
    kpi_marketing_conversions_value = fields.Integer(compute="_compute_kpi_marketing_conversions_value")
    kpi_marketing_revenue = fields.Boolean("Revenue Attributed to Journeys")
    kpi_marketing_revenue_value = fields.Monetary(compute="_compute_kpi_marketing_revenue_value")

    def _check_marketing_access(self):
        if not self.env.user.has_group(MARKETING_GROUP):
            raise AccessError(self.env._("Do not have access, skip this data for user's digest email"))

    def _compute_kpi_marketing_hot_leads_value(self):
        """Leads whose score crossed the hot threshold in the period (each counted once)."""
        self._check_marketing_access()
        start, end, companies = self._get_kpi_compute_parameters()
        _warm, hot = self.env["marketing.score.rule"]._thresholds()
        [(count,)] = self.env["marketing.score.history"]._read_group(
            [
                ("lead_id", "!=", False),
                ("lead_id.company_id", "in", companies.ids),
                ("date", ">=", start),
                ("date", "<", end),
                ("old_score", "<", hot),
                ("score", ">=", hot),
            ],
            [],
            ["lead_id:count_distinct"],
        )
        self.kpi_marketing_hot_leads_value = count

    def _compute_kpi_marketing_conversions_value(self):
        """Journey participants who reached their journey's goal in the period."""
        self._check_marketing_access()
        start, end, companies = self._get_kpi_compute_parameters()
        self.kpi_marketing_conversions_value = self.env["marketing.workflow.participant"].search_count(
            [
                ("state", "=", "converted"),
                ("is_test", "=", False),
                ("date_done", ">=", start),
                ("date_done", "<", end),
                ("workflow_id.company_id", "in", companies.ids),
            ]
        )

    def _compute_kpi_marketing_revenue_value(self):
        """Revenue of the leads won in the period, attributed to journeys: the dashboard's own figure."""
        self._check_marketing_access()
        start, end, companies = self._get_kpi_compute_parameters()
        start, end = fields.Datetime.to_datetime(start), fields.Datetime.to_datetime(end)
        data = (
            self.env["marketing.dashboard"]
            .with_context(allowed_company_ids=companies.ids, tz="UTC")
            .get_dashboard_data(
                {
                    "date_from": fields.Date.to_string(start.date()),
                    "date_to": fields.Date.to_string((end - timedelta(seconds=1)).date()),
                    "attribution": "linear",
                }
            )
        )
        self.kpi_marketing_revenue_value = data["kpis"]["revenue"]

    def _compute_kpis_actions(self, company, user):
        res = super()._compute_kpis_actions(company, user)
        menu = self.env.ref("marketing_automation_ext.marketing_automation_menu_root").id
        res["kpi_marketing_hot_leads"] = "marketing_automation_ext.crm_lead_action_marketing_score?menu_id=%s" % menu
        res["kpi_marketing_conversions"] = (
            "marketing_automation_ext.marketing_participant_report_action?menu_id=%s" % menu
        )
        res["kpi_marketing_revenue"] = "marketing_automation_ext.marketing_dashboard_action?menu_id=%s" % menu
        return res
