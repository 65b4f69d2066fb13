"""Domains typed by users (score rules, segments): evaluated safely, then checked against a model."""

from psycopg2 import Error as PsycopgError

from odoo import fields
from odoo.osv import expression
from odoo.tools.safe_eval import safe_eval


def evaluate_domain(text):
    """The normalised domain a user typed, or ValueError saying why it is not one."""
    try:
        domain = safe_eval(text or "[]", {"context_today": fields.Date.context_today})
    except Exception as error:  # safe_eval raises whatever the expression raises
        raise ValueError(str(error)) from error
    if not isinstance(domain, (list, tuple)):
        raise ValueError("not a list")
    try:
        return expression.normalize_domain(list(domain))
    except Exception as error:
        raise ValueError(str(error)) from error


def check_domain_applies(model, domain):
    """ValueError when ``domain`` names fields or operators ``model`` does not have."""
    try:
        with model.env.cr.savepoint():
            model.sudo().with_context(active_test=False)._search(domain).select()
    except (ValueError, KeyError, TypeError, PsycopgError) as error:
        raise ValueError(str(error)) from error
