"""Which failed deliveries are retried, and when: plain tests, no database."""

from datetime import timedelta

from odoo.tests import BaseCase

from ..lib.delivery import is_transient, parse_retry_delays, retry_delay, smtp_codes


class TestDeliveryMath(BaseCase):
    def test_smtp_codes_as_odoo_reports_them(self):
        self.assertEqual(smtp_codes("{'bad@example.com': (550, b'5.1.1 No such user')}"), [550])
        self.assertEqual(smtp_codes("(451, b'4.3.0 Mailbox busy')"), [451])
        self.assertEqual(smtp_codes("421 4.7.0 Try again later"), [421])
        self.assertEqual(smtp_codes("[Errno 111] Connection refused"), [])

    def test_passing_faults_are_retried(self):
        self.assertTrue(is_transient("mail_smtp", "Connection refused on port 587"), "port is not a code")
        self.assertTrue(is_transient("unknown", "(451, b'4.3.0 Mailbox busy')"))
        self.assertTrue(is_transient("unknown", "timed out"))
        self.assertTrue(is_transient("unknown", "[Errno 104] Connection reset by peer"))
        self.assertTrue(is_transient("sms_server", None))
        self.assertTrue(is_transient("sms_credit", None))

    def test_permanent_refusals_are_final(self):
        self.assertFalse(is_transient("unknown", "{'bad@example.com': (550, b'5.1.1 No such user')}"))
        self.assertFalse(is_transient("unknown", "554 5.7.1 Message rejected"))
        for failure_type in ("mail_email_invalid", "mail_bl", "mail_optout", "sms_number_format", "sms_optout"):
            self.assertFalse(is_transient(failure_type, ""), failure_type)

    def test_delays_follow_the_settings_and_the_last_repeats(self):
        delays = parse_retry_delays("5, 30,120")
        self.assertEqual(delays, [5, 30, 120])
        self.assertEqual(retry_delay(1, 4, delays), timedelta(minutes=5))
        self.assertEqual(retry_delay(3, 4, delays), timedelta(minutes=120))
        self.assertEqual(retry_delay(4, 4, delays), timedelta(minutes=120))
        self.assertIsNone(retry_delay(5, 4, delays), "retries used up")
        self.assertIsNone(retry_delay(1, 0, delays), "no retries configured")

    def test_bad_delay_settings_refused(self):
        for text in ("", "soon", "5, -1", "0", "5 minutes"):
            with self.assertRaises(ValueError, msg=text):
                parse_retry_delays(text)
