"""Plain pytest: `make run` serves on the loopback interface only.

The demo database has admin / admin, so tools/serve.sh (what `make run` execs once
the demo database is ready) must not listen on every interface unless HTTP_INTERFACE
says so. This starts it on the database `make test` built, on a free port and
without crons, and looks at what the process really bound.
"""

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONF = Path(os.environ.get("BUILD_DIR", ROOT / ".build")) / "test.conf"
TEST_DB = os.environ.get("TEST_DB")
LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp*

pytestmark = pytest.mark.skipif(
    not TEST_DB or not CONF.exists(), reason="make test sets TEST_DB and writes BUILD_DIR/test.conf"
)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ipv4(hex_addr):
    return socket.inet_ntop(socket.AF_INET, bytes.fromhex(hex_addr)[::-1])


def _ipv6(hex_addr):
    raw = bytes.fromhex(hex_addr)
    return socket.inet_ntop(socket.AF_INET6, b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4)))


def listening_addresses(port):
    """Local addresses with a socket listening on `port`, from /proc/net/tcp and tcp6."""
    found = set()
    for table, decode in (("/proc/net/tcp", _ipv4), ("/proc/net/tcp6", _ipv6)):
        if not os.path.exists(table):
            continue
        with open(table, encoding="ascii") as handle:
            next(handle)
            for line in handle:
                fields = line.split()
                address, hex_port = fields[1].split(":")
                if fields[3] == LISTEN and int(hex_port, 16) == port:
                    found.add(decode(address))
    return found


def own_non_loopback_ipv4():
    """This machine's IPv4 addresses outside 127/8 (from `ip`, else `hostname -I`)."""
    for command, pattern in ((["ip", "-o", "-4", "addr", "show"], r"\binet (\S+?)/"), (["hostname", "-I"], r"(\S+)")):
        try:
            output = subprocess.run(command, capture_output=True, text=True, timeout=10, check=True).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        return [
            address
            for address in re.findall(pattern, output)
            if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", address) and not address.startswith("127.")
        ]
    return []


@pytest.fixture
def served():
    """tools/serve.sh on the test database with the default HTTP_INTERFACE; yields the port."""
    port = free_port()
    env = dict(os.environ)
    env.pop("HTTP_INTERFACE", None)
    log = open(CONF.parent / "test-serve.log", "w", encoding="utf-8")
    process = subprocess.Popen(
        ["bash", str(ROOT / "tools" / "serve.sh"), str(CONF), TEST_DB, f"--http-port={port}", "--max-cron-threads=0"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not listening_addresses(port):
            assert process.poll() is None, f"the server stopped (exit {process.returncode}); see {log.name}"
            assert time.monotonic() < deadline, f"nothing listens on port {port} after 90 s; see {log.name}"
            time.sleep(0.5)
        yield port
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        log.close()


def test_make_run_listens_on_loopback_only(served):
    port = served
    assert listening_addresses(port) == {"127.0.0.1"}

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/web/login", timeout=60) as response:
        assert response.status == 200

    for address in own_non_loopback_ipv4():
        with socket.socket() as sock:
            sock.settimeout(5)
            with pytest.raises(ConnectionRefusedError):
                sock.connect((address, port))
