"""A real SMTP server on loopback (aiosmtpd) for the end-to-end tests: nothing intercepted."""

import socket
import time
from unittest.mock import patch

from aiosmtpd.controller import Controller

import odoo


class CollectingHandler:
    """Accepts every message and keeps it; ``refuse`` maps a recipient to the SMTP answer it gets instead."""

    def __init__(self, refuse=None):
        self.messages = []
        self.refuse = dict(refuse or {})

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self.refuse.get(address)
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 Message accepted"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_smtp_server(test, handler, port):
    """Serve ``handler`` on 127.0.0.1:``port`` until the test ends."""
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    test.addCleanup(controller.stop)
    return controller


def mail_server_record(test, port):
    """Odoo's outgoing mail server record for 127.0.0.1:``port``."""
    return test.env["ir.mail_server"].create(
        {
            "name": "Local test SMTP",
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_encryption": "none",
            "smtp_authentication": "login",
        }
    )


def local_smtp_server(test, handler=None):
    """A running server for the length of ``test`` and Odoo's mail server record for it."""
    handler = handler or CollectingHandler()
    port = free_port()
    start_smtp_server(test, handler, port)
    return handler, mail_server_record(test, port)


def really_send():
    """Odoo's test mode skips SMTP; this lifts it so messages really go out."""
    return patch.object(odoo.modules.module, "current_test", None)


def wait_for_messages(handler, count, timeout=10):
    deadline = time.time() + timeout
    while len(handler.messages) < count and time.time() < deadline:
        time.sleep(0.05)
    return handler.messages
