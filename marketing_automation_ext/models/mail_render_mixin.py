from odoo import models

from ..lib.dynamic_content import MarketingContent


class MailRenderMixin(models.AbstractModel):
    _inherit = "mail.render.mixin"

    def _render_eval_context(self):
        # dynamic content: emails and SMS show blocks to the contacts matching a condition
        render_context = super()._render_eval_context()
        render_context["marketing"] = MarketingContent(self.env)
        return render_context
