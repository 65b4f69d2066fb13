from odoo import api, models

from .mailing_trace import CLICK_EVENTS


class LinkTrackerClick(models.Model):
    _inherit = "link.tracker.click"

    @api.model
    def add_click(self, code, **route_values):
        click = super().add_click(code, **route_values)
        if click and click.mailing_trace_id:
            # one click event per link per message, however often it is followed
            click.mailing_trace_id.sudo()._marketing_record_events(
                CLICK_EVENTS, url=click.link_id.url, link_id=click.link_id.id
            )
        return click
