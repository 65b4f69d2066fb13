"""Preferred channel from a contact's history: plain tests, no database."""

from odoo.tests import BaseCase

from ..lib.channel import ChannelHistory, preferred_channel, smoothed_rate


class TestChannelMath(BaseCase):
    def test_phone_person(self):
        choice = preferred_channel(
            {
                "email": ChannelHistory(tries=12, answers=0),
                "sms": ChannelHistory(reachable=False, why_unreachable="no mobile number"),
                "phone": ChannelHistory(tries=4, answers=4),
            }
        )
        self.assertEqual(choice.channel, "phone")
        self.assertEqual(
            choice.reason, "prefers phone: 4 calls answered, 0 of 12 emails opened (sms: no mobile number)"
        )

    def test_few_tries_do_not_outweigh_a_steady_record(self):
        self.assertLess(smoothed_rate(2, 2), smoothed_rate(20, 40))
        choice = preferred_channel(
            {"email": ChannelHistory(tries=40, answers=20), "sms": ChannelHistory(tries=2, answers=2)}
        )
        self.assertEqual(choice.channel, "email")

    def test_blacklisted_or_opted_out_channel_is_never_chosen(self):
        choice = preferred_channel(
            {
                "email": ChannelHistory(reachable=False, tries=10, answers=9, why_unreachable="blacklisted"),
                "sms": ChannelHistory(tries=5, answers=0),
            }
        )
        self.assertEqual(choice.channel, "sms")
        self.assertIn("email: blacklisted", choice.reason)

    def test_no_history_takes_the_cheapest_available(self):
        self.assertEqual(preferred_channel({"email": ChannelHistory(), "phone": ChannelHistory()}).channel, "email")
        self.assertEqual(
            preferred_channel({"email": ChannelHistory(reachable=False), "phone": ChannelHistory()}).channel, "phone"
        )

    def test_nothing_reachable(self):
        choice = preferred_channel({"email": ChannelHistory(reachable=False, why_unreachable="opted out")})
        self.assertIsNone(choice.channel)
        self.assertEqual(choice.reason, "no channel: email: opted out")
