"""Odoo's public mailing and SMS routes, on which the addon's tracking hangs, refuse malformed input
with a 4xx instead of a server error: a token or a delivery report arrives from anyone on the internet."""

from werkzeug.exceptions import BadRequest, Unauthorized

from odoo import http
from odoo.addons.mass_mailing.controllers import main as mass_mailing_main
from odoo.addons.sms.controllers import main as sms_main


def _is_token(value):
    # tokens Odoo hands out are ASCII hex; comparing anything else in constant time raises TypeError
    return isinstance(value, str) and value.isascii()


def _is_id(value):
    return (
        value in (None, False, "")
        or (isinstance(value, int) and not isinstance(value, bool))
        or (isinstance(value, str) and value.isdigit() and value.isascii())
    )


class MassMailController(mass_mailing_main.MassMailController):
    def _check_mailing_email_token(self, mailing_id, document_id, email, hash_token, required_mailing_id=False):
        if hash_token and not _is_token(hash_token):
            raise Unauthorized()
        if not (_is_id(mailing_id) and _is_id(document_id)) or (email and not isinstance(email, str)):
            raise BadRequest()
        return super()._check_mailing_email_token(
            mailing_id, document_id, email, hash_token, required_mailing_id=required_mailing_id
        )

    @http.route()
    def track_mail_open(self, mail_id, token, **post):
        if not _is_token(token):
            raise Unauthorized()
        return super().track_mail_open(mail_id, token, **post)


class SmsController(sms_main.SmsController):
    @http.route()
    def update_sms_status(self, message_statuses):
        """IAP's delivery reports: a list of {'sms_status': str, 'uuids': [str]}; anything else is refused."""
        if not isinstance(message_statuses, list) or not all(
            isinstance(status, dict)
            and isinstance(status.get("sms_status"), str)
            and isinstance(status.get("uuids"), list)
            and all(isinstance(uuid, str) for uuid in status["uuids"])
            for status in message_statuses
        ):
            raise BadRequest()
        return super().update_sms_status(message_statuses)
