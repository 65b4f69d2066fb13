from odoo import models
from odoo.http import request

# Pages about the session or the account, not content: never tracked unless marked 'Track'.
UNTRACKED_PREFIXES = ("/web/", "/my", "/website/")


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _register_website_track(cls, response):
        """Odoo records page views of pages marked 'Track' only; with the website's
        'track every page' option, every page it serves to a person is recorded the same way."""
        result = super()._register_website_track(response)
        website = getattr(request, "website", None)
        if not website or not website.marketing_track_all_pages or request.env.cr.readonly:
            return result
        if request.env["ir.http"].is_a_bot() or request.httprequest.path.startswith(UNTRACKED_PREFIXES):
            return result
        if getattr(response, "status_code", 0) != 200 or request.httprequest.headers.get("X-Disable-Tracking") == "1":
            return result
        if hasattr(response, "_cached_page"):
            website_page, template = response._cached_page, response._cached_template
        elif hasattr(response, "qcontext"):
            main_object = response.qcontext.get("main_object")
            website_page = getattr(main_object, "_name", False) == "website.page" and main_object
            template = response.qcontext.get("response_template")
        else:
            return result
        view = template and request.env["website"].get_template(template)
        # tracked pages were recorded by Odoo above
        if view and not view.track:
            request.env["website.visitor"]._handle_webpage_dispatch(website_page)
        return result
