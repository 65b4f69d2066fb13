import logging

from odoo import http
from odoo.addons.marketing_automation_ext.models.marketing_segment import GRADE_FILTERS
from odoo.addons.mass_mailing_sms.controllers.main import MailingSMSController
from odoo.addons.website_crm.controllers.website_form import WebsiteForm
from odoo.addons.website_mass_mailing.controllers.main import MassMailController
from odoo.http import request

from ..lib.dwell import MAX_BEACON_BYTES, BeaconError, check_fields, page_path, parse_seconds

_logger = logging.getLogger(__name__)
# a page holds a few segment blocks, not hundreds
MAX_SEGMENTS_PER_CALL = 20


class MarketingWebsite(http.Controller):
    @http.route(
        "/marketing/dwell",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,  # a beacon from a cached page carries no CSRF token; it is checked against the page view
        website=True,
        sitemap=False,
        save_session=False,
    )
    def dwell(self, **params):
        """Time on page from the browser (navigator.sendBeacon): 204 when stored, 4xx and nothing stored else."""
        try:
            status = self._store_dwell(params)
        except BeaconError as error:
            _logger.info("time-on-page beacon refused (%s): %s", error.status, error.reason)
            return request.make_response(error.reason, status=error.status, headers=[("Content-Type", "text/plain")])
        return request.make_response("", status=status)

    def _store_dwell(self, params):
        length = request.httprequest.content_length
        if length is None:
            raise BeaconError(411, "length required")
        if length > MAX_BEACON_BYTES:
            raise BeaconError(413, "beacon too large")
        check_fields(params)
        seconds = parse_seconds(params.get("seconds"))
        path = page_path(params.get("url"), request.httprequest.host)
        if not request.env["ir.http"]._is_allowed_cookie("optional"):
            raise BeaconError(403, "optional cookies refused: nothing is tracked")
        visitor = request.env["website.visitor"]._get_visitor_from_request()
        if not visitor or visitor.website_id != request.website:
            raise BeaconError(403, "unknown visitor")
        request.env["website.track"].sudo()._marketing_store_dwell(visitor, path, seconds)
        return 204

    @http.route("/marketing/segment/match", type="json", auth="public", website=True, sitemap=False, readonly=True)
    def segment_match(self, segment_ids=None, grade=None):
        """Which of these segments the current visitor is in, and whether its grade matches.

        Called by the 'Content by Segment' blocks: the page itself is the same for everyone and
        stays cacheable. Unknown visitors, and those who refused optional cookies, match nothing.
        """
        if not isinstance(segment_ids, list) or len(segment_ids) > MAX_SEGMENTS_PER_CALL:
            segment_ids = []
        segment_ids = [sid for sid in segment_ids if isinstance(sid, int) and not isinstance(sid, bool)]
        grade = grade if grade in GRADE_FILTERS else None
        no_match = {"segment_ids": [], "grade_match": False}
        if not request.env["ir.http"]._is_allowed_cookie("optional"):
            return no_match
        visitor = request.env["website.visitor"]._get_visitor_from_request()
        if not visitor or visitor.website_id != request.website:
            return no_match
        return visitor._marketing_segment_match(segment_ids, grade)


class MarketingMassMailController(MassMailController):
    @http.route()
    def full_url_redirect(self, code, mailing_trace_id, **post):
        response = super().full_url_redirect(code, mailing_trace_id, **post)
        _remember_trace(code, mailing_trace_id)
        return response

    @http.route()
    def subscribe(self, list_id, value, subscription_type, **post):
        result = super().subscribe(list_id, value, subscription_type, **post)
        if result.get("toast_type") == "success" and subscription_type == "email":
            request.env["website.visitor"].sudo()._marketing_record_signup(list_id, value)
        return result


class MarketingSMSController(MailingSMSController):
    @http.route()
    def sms_short_link_redirect(self, code, sms_id_int, **post):
        response = super().sms_short_link_redirect(code, sms_id_int, **post)
        if sms_id_int:
            trace = request.env["mailing.trace"].sudo().search([("sms_id_int", "=", int(sms_id_int))], limit=1)
            _remember_trace(code, trace.id)
        return response


def _remember_trace(code, trace_id):
    """The next page this browser views on the website is the message's recipient's.

    Only a link of the trace's own mailing counts, so a trace id alone identifies nobody.
    """
    if not trace_id or request.env["ir.http"].is_a_bot():
        return
    request.env.cr.execute(
        """SELECT 1 FROM mailing_trace t JOIN link_tracker_code c ON c.code = %s
             JOIN link_tracker l ON l.id = c.link_id
            WHERE t.id = %s AND l.mass_mailing_id = t.mass_mailing_id""",
        [code, trace_id],
    )
    if request.env.cr.fetchone():
        request.session["marketing_trace_id"] = trace_id


class MarketingWebsiteForm(WebsiteForm):
    def insert_record(self, request, model, values, custom, meta=None):
        record_id = super().insert_record(request, model, values, custom, meta=meta)
        model_sudo = model.sudo()
        if record_id and (model_sudo.model == "crm.lead" or model_sudo.marketing_form_touchpoint):
            request.env["website.visitor"].sudo()._marketing_record_form(model_sudo.model, record_id)
        return record_id
