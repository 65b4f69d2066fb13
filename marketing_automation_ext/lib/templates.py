"""Pure helpers for journey templates: the mailing wrapper and the discount code placeholder."""

# Odoo's "plain" mass mailing layout: the email editor opens a body in it as a normal email
MAILING_WRAPPER_START = (
    '<div class="o_layout oe_unremovable oe_unmovable bg-200 o_empty_theme" data-name="Mailing">'
    '<div class="container o_mail_wrapper o_mail_regular oe_unremovable"><div class="row">'
    '<div class="col o_mail_no_options o_mail_wrapper_td bg-white oe_structure o_editable">'
)
MAILING_WRAPPER_END = "</div></div></div></div>"
COUPON_PLACEHOLDER = "{coupon}"


def fill_coupon(text, code):
    """``text`` with the discount code in place of ``{coupon}`` (the code is escaped by the caller for HTML)."""
    if not text:
        return text
    return text.replace(COUPON_PLACEHOLDER, code or "")


def wrap_mailing(body):
    """``body`` inside the mass mailing layout the email editor expects."""
    return MAILING_WRAPPER_START + (body or "") + MAILING_WRAPPER_END
