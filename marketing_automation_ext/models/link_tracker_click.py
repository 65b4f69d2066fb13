from odoo import api, models


class LinkTrackerClick(models.Model):
    _inherit = "link.tracker.click"

    @api.model
    def add_click(self, code, **route_values):
        click = super().add_click(code, **route_values)
        if click and click.mailing_trace_id:
            trace = click.mailing_trace_id.sudo()
            targets = trace._marketing_targets()
            base = trace._marketing_event_base(targets)
            if base is not None:
                event_type = "sms_click" if trace.trace_type == "sms" else "email_click"
                base.update(
                    event_type=event_type,
                    url=click.link_id.url,
                    # one click event per link per message, however often it is followed
                    source_key="trace:%s:click:%s" % (trace.id, click.link_id.id),
                )
                self.env["marketing.event"].sudo()._record([base], rescore=False)
        return click
