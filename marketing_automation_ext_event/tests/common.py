"""An event with registrants in every state, and the event templates made through the wizard."""

from datetime import datetime, timedelta

from odoo.addons.marketing_automation_ext.tests.template_common import TemplateCommon

T0 = datetime(2026, 3, 2, 10, 0, 0)  # a Monday, 10:00 UTC
EVENT_BEGIN = T0 + timedelta(days=10)
EVENT_END = EVENT_BEGIN + timedelta(hours=4)


class EventJourneyCommon(TemplateCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.event = cls.env["event.event"].create(
            {"name": "Spring Meetup", "date_begin": EVENT_BEGIN, "date_end": EVENT_END, "date_tz": "UTC"}
        )
        cls.other_event = cls.env["event.event"].create(
            {"name": "Autumn Fair", "date_begin": EVENT_BEGIN, "date_end": EVENT_END, "date_tz": "UTC"}
        )
        cls.p_attendee = Partner.create({"name": "Ada Attendee", "email": "ada@example.com"})
        cls.p_no_show = Partner.create({"name": "Nick Noshow", "email": "nick@example.com"})
        cls.p_cancelled = Partner.create({"name": "Cora Cancelled", "email": "cora@example.com"})
        cls.p_elsewhere = Partner.create({"name": "Otto Otherevent", "email": "otto@example.com"})
        cls.reg_attendee = cls.register(cls.p_attendee)
        cls.reg_no_show = cls.register(cls.p_no_show)
        cls.register(cls.p_cancelled, state="cancel")
        cls.register(cls.p_elsewhere, event=cls.other_event)

    @classmethod
    def register(cls, partner, event=None, state="open"):
        return cls.env["event.registration"].create(
            {"event_id": (event or cls.event).id, "partner_id": partner.id, "state": state}
        )

    def template(self, code):
        return self.env.ref("marketing_automation_ext_event.workflow_template_event_%s" % code)
