"""Conditions a message's content can depend on, exposed to email (QWeb) and SMS (inline template)
rendering as ``marketing``:

    <div t-if="marketing.grade(object) == 'hot'">…</div>
    <p t-if="marketing.in_segment(object, 'VIP customers')">…</p>
    <p t-if="marketing.industry(object) == 'Manufacturing'">…</p>
    {{ 'Your code: WELCOME10' if marketing.is_customer(object) else '' }}

Every method takes the rendered record (a contact, a lead or any record with a contact) and
answers for an empty one too, so a message renders for a contact with no name, company or country.
"""

from odoo.tools import SQL


class MarketingContent:
    """The helper behind ``marketing`` in message templates (read-only, never raises on missing data)."""

    __slots__ = ("_env",)

    def __init__(self, env):
        self._env = env

    def _partner(self, record):
        if not record:
            return self._env["res.partner"]
        if record._name == "res.partner":
            return record
        return record.partner_id if "partner_id" in record._fields else self._env["res.partner"]

    def _segment(self, segment):
        Segment = self._env["marketing.segment"].sudo().with_context(active_test=False)
        if isinstance(segment, int) and not isinstance(segment, bool):
            return Segment.browse(segment).exists()
        if hasattr(segment, "_name") and segment._name == "marketing.segment":
            return segment.sudo()
        if isinstance(segment, str) and "." in segment and " " not in segment:
            found = self._env.ref(segment, raise_if_not_found=False)
            if found and found._name == "marketing.segment":
                return found.sudo()
        return Segment.search([("name", "=ilike", segment)], limit=1) if isinstance(segment, str) else Segment

    def in_segment(self, record, segment):
        """Whether the record (or, for a lead's segment, the lead; else its contact) is a current member
        of ``segment``: its id, name or external id."""
        segment = self._segment(segment)
        if not segment or not record:
            return False
        if segment.model_name == "crm.lead":
            target = record if record._name == "crm.lead" else None
            column = "lead_id"
        else:
            target = self._partner(record)
            column = "partner_id"
        if not target:
            return False
        self._env.cr.execute(
            SQL(
                "SELECT 1 FROM marketing_segment_member WHERE segment_id = %s AND %s = %s AND date_exited IS NULL",
                segment.id,
                SQL.identifier(column),
                target.id,
            )
        )
        return bool(self._env.cr.fetchone())

    def grade(self, record):
        """'hot', 'warm' or 'cold' (the record's own grade, else its contact's); '' when unknown."""
        if record and "marketing_grade" in record._fields:
            return record.marketing_grade or ""
        partner = self._partner(record)
        return partner.marketing_grade or "" if partner else ""

    def industry(self, record):
        """The industry of the record's company ('' when none is set)."""
        partner = self._partner(record)
        if not partner:
            return ""
        return partner.commercial_partner_id.industry_id.name or partner.industry_id.name or ""

    def is_customer(self, record):
        """A customer has won a deal (or, with Sales or Invoicing, ordered or been invoiced); else a prospect."""
        partner = self._partner(record)
        if not partner:
            return False
        commercial = partner.commercial_partner_id
        if "customer_rank" in commercial._fields and commercial.customer_rank > 0:
            return True
        if "sale_order_count" in commercial._fields and commercial.sudo().sale_order_count > 0:
            return True
        return bool(
            self._env["crm.lead"]
            .sudo()
            .with_context(active_test=False)
            .search_count([("partner_id", "child_of", commercial.id), ("stage_id.is_won", "=", True)], limit=1)
        )

    def is_prospect(self, record):
        return not self.is_customer(record)
