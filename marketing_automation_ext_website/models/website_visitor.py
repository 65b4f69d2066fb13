from odoo import fields, models, tools
from odoo.addons.marketing_automation_ext.models.marketing_segment import GRADE_FILTERS
from odoo.http import request
from odoo.tools import SQL

# The contact and lead a visitor is known as: the contact Odoo linked (login, a lead's contact),
# else the contact of its latest lead; the lead is its latest open lead.
VISITOR_OWNERS = """
    SELECT v.id AS visitor_id, COALESCE(v.partner_id, l.partner_id) AS partner_id, l.id AS lead_id,
           w.company_id
      FROM website_visitor v
      LEFT JOIN website w ON w.id = v.website_id
      LEFT JOIN LATERAL (
          SELECT cl.id, cl.partner_id FROM crm_lead_website_visitor_rel r
            JOIN crm_lead cl ON cl.id = r.crm_lead_id
           WHERE r.website_visitor_id = v.id AND cl.active
           ORDER BY cl.id DESC LIMIT 1
      ) l ON true
     WHERE v.id = ANY(%(visitors)s)
"""


class WebsiteVisitor(models.Model):
    _inherit = "website.visitor"

    # ------------------------------------------------------------------
    # Page views become touchpoints once the visitor is known
    # ------------------------------------------------------------------

    def _handle_webpage_dispatch(self, website_page):
        super()._handle_webpage_dispatch(website_page)
        if not request.env["ir.http"]._is_allowed_cookie("optional"):
            return  # refused optional cookies: the page view stays Odoo's, never a touchpoint
        if request.env.user._is_internal():
            return  # employees reading their own website are not prospects
        # the page view Odoo just recorded is this visitor's latest one
        self.env.cr.execute(
            """UPDATE website_track SET marketing_consent = true
                WHERE id = (SELECT t.id FROM website_track t JOIN website_visitor v ON v.id = t.visitor_id
                             WHERE v.access_token = %s ORDER BY t.id DESC LIMIT 1)
            RETURNING visitor_id""",
            [str(self._get_access_token())],
        )
        row = self.env.cr.fetchone()
        if not row:
            return
        visitor = self.sudo().browse(row[0])
        trace_id = request.session.pop("marketing_trace_id", None)
        if trace_id:
            visitor._marketing_identify_from_trace(trace_id)
        visitor._marketing_sync_tracks()

    def _marketing_identify_from_trace(self, trace_id):
        """A visitor arrived through a tracked mailing or SMS link: it is that message's recipient."""
        self.ensure_one()
        trace = self.env["mailing.trace"].sudo().browse(int(trace_id)).exists()
        if not trace or self.partner_id:
            return
        if trace.model == "crm.lead" and trace.res_id:
            lead = self.env["crm.lead"].sudo().browse(trace.res_id).exists()
            if lead:
                self.write({"lead_ids": [(4, lead.id)]})
                return
        partner = self.env["res.partner"]
        if trace.model == "res.partner" and trace.res_id:
            partner = partner.sudo().browse(trace.res_id).exists()
        elif trace.email:
            partner = self.env["marketing.event"].sudo()._partners_by_email([trace.email])[:1]
        if partner:
            self.write({"partner_id": partner.id})

    def write(self, vals):
        result = super().write(vals)
        if "partner_id" in vals or "lead_ids" in vals:
            # identified (a lead from a form, a contact): the pages seen before become touchpoints
            self._marketing_sync_tracks()
        return result

    def _merge_visitor(self, target):
        # login: the anonymous visitor's page views move to the user's visitor, then become touchpoints
        result = super()._merge_visitor(target)
        target._marketing_sync_tracks()
        return result

    def _marketing_sync_tracks(self):
        """Turn the consented page views of these visitors, when known, into 'Page viewed' touchpoints.

        One statement inserts them (idempotent on ``track:<id>``), one links each page view to its
        touchpoint. The scoring cron scores them; the journeys listening for page views are queued by
        the touchpoint table's trigger. Returns the ids of the new touchpoints.
        """
        if not self.ids:
            return []
        self.env.flush_all()
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                """WITH owners AS (%(owners)s)
                   INSERT INTO marketing_event (event_type, channel, partner_id, lead_id, date, url, dwell_seconds,
                                                source_key, company_id, scored,
                                                create_uid, create_date, write_uid, write_date)
                   SELECT 'page_view', 'web', o.partner_id, o.lead_id, t.visit_datetime, t.url,
                          NULLIF(t.marketing_dwell_seconds, 0), 'track:' || t.id, o.company_id, false,
                          %(uid)s, %(now)s, %(uid)s, %(now)s
                     FROM website_track t
                     JOIN owners o ON o.visitor_id = t.visitor_id
                    WHERE t.marketing_consent AND t.marketing_event_id IS NULL
                          AND (o.partner_id IS NOT NULL OR o.lead_id IS NOT NULL)
                    ORDER BY t.visit_datetime
                   ON CONFLICT (source_key) DO NOTHING
                   RETURNING id""",
                owners=SQL(VISITOR_OWNERS, visitors=self.ids),
                uid=self.env.uid,
                now=now,
            )
        )
        inserted = [row[0] for row in self.env.cr.fetchall()]
        self.env.cr.execute(
            """UPDATE website_track t SET marketing_event_id = e.id
                 FROM marketing_event e
                WHERE t.visitor_id = ANY(%s) AND t.marketing_consent AND t.marketing_event_id IS NULL
                      AND e.source_key = 'track:' || t.id""",
            [self.ids],
        )
        if inserted:
            self.env["website.track"].invalidate_model(["marketing_event_id"])
            self.env["marketing.event"].invalidate_model()
            self.env["res.partner"].invalidate_model(["marketing_event_count"])
            self.env.ref("marketing_automation_ext.ir_cron_marketing_score_events").sudo()._trigger()
        return inserted

    # ------------------------------------------------------------------
    # Forms and newsletter signups
    # ------------------------------------------------------------------

    def _marketing_visit_utm(self):
        """The UTM campaign, source and medium of this visit (Odoo's UTM cookies), as touchpoint values."""
        values = {}
        for _param, field_name, cookie_name in self.env["utm.mixin"].tracking_fields():
            name = request.cookies.get(cookie_name) if request else None
            if not name or field_name not in ("campaign_id", "source_id", "medium_id"):
                continue
            comodel = self.env["utm.mixin"]._fields[field_name].comodel_name
            record = self.env[comodel].sudo().search([("name", "=", name)], limit=1)
            if record:
                values[field_name] = record.id
        return values

    def _marketing_record_form(self, model_name, record_id):
        """A website form created ``record_id``: a 'Form submitted' touchpoint for its author, with the visit's UTM.

        The visitor becomes known (the lead Odoo links to it, or the contact with the form's email),
        so the pages read before the form become touchpoints too.
        """
        visitor = self._get_visitor_from_request(force_create=True)
        record = self.env[model_name].sudo().browse(record_id)
        partner, lead = self.env["res.partner"], self.env["crm.lead"]
        if model_name == "crm.lead":
            lead = record
            partner = lead.partner_id
        elif "partner_id" in record._fields and record._fields["partner_id"].comodel_name == "res.partner":
            partner = record.partner_id
        if not partner and not lead:
            email = next((record[name] for name in ("email_from", "email") if name in record._fields), False)
            partner = self.env["marketing.event"].sudo()._partners_by_email([email])[:1] if email else partner
        if visitor and partner and not visitor.partner_id and not lead:
            visitor.write({"partner_id": partner.id})
        if not partner and not lead:
            return
        values = {
            "event_type": "form_submit",
            "channel": "web",
            "partner_id": partner.id or None,
            "lead_id": lead.id or None,
            "url": (request.httprequest.referrer or "")[:2048] or None,
            "source_key": "form:%s:%s" % (model_name, record_id),
            "payload": {"model": model_name, "record_id": record_id},
            "company_id": (lead.company_id or request.website.company_id).id,
        }
        if lead:
            values.update(
                campaign_id=lead.campaign_id.id or None,
                source_id=lead.source_id.id or None,
                medium_id=lead.medium_id.id or None,
            )
        else:
            values.update(self._marketing_visit_utm())
        self.env["marketing.event"].sudo()._record([values], rescore=False)
        self.env.ref("marketing_automation_ext.ir_cron_marketing_score_events").sudo()._trigger()

    def _marketing_record_signup(self, list_id, value):
        """A newsletter signup on the website: a 'Signed up' touchpoint for the contact with that email.

        Journeys work on contacts and leads, so a signup without a contact creates one.
        """
        name, email = tools.parse_contact_from_email(value)
        email = tools.email_normalize(email)
        mailing_list = self.env["mailing.list"].sudo().browse(int(list_id)).exists()
        partner = self.env["marketing.event"].sudo()._partners_by_email([email])[:1] if email else None
        if not mailing_list or not email:
            return
        if not partner:
            partner = self.env["res.partner"].sudo().create({"name": name or email, "email": email})
        visitor = self._get_visitor_from_request(force_create=True)
        if visitor and not visitor.partner_id:
            visitor.write({"partner_id": partner.id})
        values = {
            "event_type": "signup",
            "channel": "web",
            "partner_id": partner.id,
            "url": (request.httprequest.referrer or "")[:2048] or None,
            "source_key": "signup:%s:%s:%s" % (mailing_list.id, partner.id, fields.Datetime.now().isoformat()),
            "payload": {"list": mailing_list.name},
            "company_id": request.website.company_id.id,
            **self._marketing_visit_utm(),
        }
        self.env["marketing.event"].sudo()._record([values], rescore=False)
        self.env.ref("marketing_automation_ext.ir_cron_marketing_score_events").sudo()._trigger()

    # ------------------------------------------------------------------
    # Content by segment
    # ------------------------------------------------------------------

    def _marketing_segment_match(self, segment_ids, grade):
        """{segment_ids: those of ``segment_ids`` this visitor is a current member of, grade_match: bool}."""
        self.ensure_one()
        self.env.cr.execute(SQL(VISITOR_OWNERS, visitors=[self.id]))
        _visitor, partner_id, lead_id, _company = self.env.cr.fetchone()
        if not partner_id and not lead_id:
            return {"segment_ids": [], "grade_match": False}
        matched = []
        if segment_ids:
            self.env.cr.execute(
                """SELECT DISTINCT segment_id FROM marketing_segment_member
                    WHERE segment_id = ANY(%s) AND date_exited IS NULL
                          AND (partner_id = %s OR lead_id = %s)""",
                [segment_ids, partner_id, lead_id],
            )
            matched = sorted(row[0] for row in self.env.cr.fetchall())
        grade_match = False
        if grade:
            record = self.env["crm.lead"].browse(lead_id) if lead_id else self.env["res.partner"].browse(partner_id)
            grade_match = record.sudo().marketing_grade in GRADE_FILTERS[grade]
        return {"segment_ids": matched, "grade_match": grade_match}
