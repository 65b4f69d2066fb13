from odoo import api, models


class LinkTrackerClick(models.Model):
    _inherit = "link.tracker.click"

    @api.model
    def add_click(self, code, **route_values):
        click = super().add_click(code, **route_values)
        if click and click.mailing_trace_id:
            click.mailing_trace_id._marketing_queue("click", link_id=click.link_id.id)
        return click
