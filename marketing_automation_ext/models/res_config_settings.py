from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    marketing_grade_warm = fields.Integer(
        "Warm From", config_parameter="marketing_automation_ext.grade_warm", default=20
    )
    marketing_grade_hot = fields.Integer("Hot From", config_parameter="marketing_automation_ext.grade_hot", default=50)

    @api.constrains("marketing_grade_warm", "marketing_grade_hot")
    def _check_marketing_grades(self):
        for settings in self:
            if settings.marketing_grade_hot <= settings.marketing_grade_warm:
                raise ValidationError(self.env._("The Hot threshold must be above the Warm threshold."))

    def set_values(self):
        old = self.env["marketing.score.rule"]._thresholds()
        result = super().set_values()
        if self.env["marketing.score.rule"]._thresholds() != old:
            self.env["marketing.score.rule"].sudo()._regrade_all()
        return result
