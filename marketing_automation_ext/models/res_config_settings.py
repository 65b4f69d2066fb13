from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..lib.delivery import MAX_RETRIES, parse_retry_delays


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    marketing_grade_warm = fields.Integer(
        "Warm From", config_parameter="marketing_automation_ext.grade_warm", default=20
    )
    marketing_grade_hot = fields.Integer("Hot From", config_parameter="marketing_automation_ext.grade_hot", default=50)

    marketing_frequency_cap = fields.Integer(
        "Messages", config_parameter="marketing_automation_ext.frequency_cap", default=0
    )
    marketing_frequency_days = fields.Integer(
        "Per (days)", config_parameter="marketing_automation_ext.frequency_days", default=7
    )
    marketing_bounce_limit = fields.Integer(
        "Bounces", config_parameter="marketing_automation_ext.bounce_limit", default=3
    )

    marketing_delivery_retries = fields.Integer(
        "Retries",
        config_parameter="marketing_automation_ext.delivery_retries",
        default=4,
        help="A journey message that fails for a passing reason (mail server or SMS gateway unreachable, "
        "timeout, temporary refusal) is tried this many more times before its step fails.",
    )
    marketing_delivery_retry_delays = fields.Char(
        "Delays (minutes)",
        config_parameter="marketing_automation_ext.delivery_retry_delays",
        default="5, 30, 120, 360",
        help="Minutes to wait before each retry, in order; the last one repeats.",
    )

    @api.constrains("marketing_delivery_retries", "marketing_delivery_retry_delays")
    def _check_marketing_delivery_retries(self):
        for settings in self:
            if not 0 <= settings.marketing_delivery_retries <= MAX_RETRIES:
                raise ValidationError(self.env._("Retries are from 0 to %s.", MAX_RETRIES))
            try:
                parse_retry_delays(settings.marketing_delivery_retry_delays)
            except ValueError:
                raise ValidationError(
                    self.env._("Give the retry delays as minutes separated by commas, for example: 5, 30, 120, 360.")
                ) from None

    @api.constrains("marketing_frequency_cap", "marketing_frequency_days", "marketing_bounce_limit")
    def _check_marketing_journey_limits(self):
        for settings in self:
            if settings.marketing_frequency_cap < 0 or settings.marketing_bounce_limit < 0:
                raise ValidationError(self.env._("The frequency cap and the bounce limit are zero or more."))
            if not 1 <= settings.marketing_frequency_days <= 365:
                raise ValidationError(self.env._("The frequency cap period is from 1 to 365 days."))

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
