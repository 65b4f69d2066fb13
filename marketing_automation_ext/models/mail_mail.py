from odoo import models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _prepare_outgoing_list(self, mail_server=False, recipients_follower_status=None):
        """Lock a mailing's message and its traces just before it leaves.

        Odoo's queue sends, then marks the message and its trace sent, then commits. A
        tracking hit in between (a mail scanner fetches the pixel on delivery) changed the
        trace first, so the queue's own update failed, the whole batch rolled back and the
        message was sent again at the next run. With the rows locked, the hit waits for the
        queue's commit and Odoo retries it; a message changed meanwhile (recalled by its
        journey) fails here, before it is sent.
        """
        if self.mailing_id:
            self.env.cr.execute("SELECT id FROM mail_mail WHERE id = %s FOR NO KEY UPDATE", [self.id])
            self.env.cr.execute("SELECT id FROM mailing_trace WHERE mail_mail_id = %s FOR NO KEY UPDATE", [self.id])
        return super()._prepare_outgoing_list(
            mail_server=mail_server, recipients_follower_status=recipients_follower_status
        )
