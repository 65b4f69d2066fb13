from odoo import models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def _action_done(self, feedback=False, attachment_ids=None):
        done = {
            activity.id: (activity.res_model, activity.res_id, activity.activity_type_id)
            for activity in self
            if activity.res_model in ("res.partner", "crm.lead")
        }
        result = super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
        event_model = self.env["marketing.event"].sudo()
        vals_list = []
        for activity_id, (res_model, res_id, activity_type) in done.items():
            targets = event_model._targets_for_documents(res_model, [res_id])
            partner_id, lead_id = targets.get(res_id, (None, None))
            vals_list.append(
                {
                    "event_type": "activity_done",
                    "partner_id": partner_id,
                    "lead_id": lead_id,
                    "source_key": "activity:%s:done" % activity_id,
                    # the category (phonecall, meeting…) tells the channel advice a call was held
                    "payload": {"activity_type": activity_type.name, "category": _category(activity_type)}
                    if activity_type
                    else None,
                }
            )
        if vals_list:
            event_model._record(vals_list, rescore=False)
        return result


def _category(activity_type):
    if activity_type.category in ("phonecall", "meeting"):
        return activity_type.category
    if activity_type == activity_type.env.ref("mail.mail_activity_data_call", raise_if_not_found=False):
        return "phonecall"
    return activity_type.category or "default"
