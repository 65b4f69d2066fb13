"""Website benchmark: the time-on-page beacon route against Odoo's own tracking hit, and the
page-load cost of the beacon script, in the same run on the same server.

Starts its own Odoo server on the database (the website bridge installed), then:

1. **Beacon route** ``POST /marketing/dwell``: N visitors each view the home page (a page view
   Odoo records) and send one time-on-page figure; requests/s with 4 clients and the median
   latency. Baseline: Odoo's own tracking hit of the same kind, the mass mailing open pixel
   ``GET /mail/track/<mail>/<token>/blank.gif`` (a public route that checks its input and stores
   one fact), N distinct sent traces. Website core has no standalone ``/website/track`` route in
   Odoo 18 (website_sale's ``recently_viewed_update`` is the nearest, and not a dependency).
2. **Page load** in headless Chromium: the home page loaded R times with the beacon script in
   the frontend bundle and R times without it (an ``ir.asset`` 'remove' directive), alternating
   rounds; median load time (navigation start to load event end) of each and the ratio.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
import websocket
from bench_common import log

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry

SCRIPT = "marketing_automation_ext_website/static/src/js/dwell_beacon.js"
CLIENTS = 4


def start_server(args):
    odoo_bin = os.path.join(os.environ.get("ODOO_PATH", "/opt/odoo"), "odoo-bin")
    command = [sys.executable, odoo_bin, "-c", args.config, "-d", args.db, "--db-filter", "^%s$" % args.db]
    command += ["--http-port", str(args.port), "--max-cron-threads", "0", "--log-level", "warn"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = "http://127.0.0.1:%s" % args.port
    for _ in range(120):
        try:
            if requests.get(base + "/web/health", timeout=2).ok:
                return server, base
        except requests.RequestException:
            pass
        time.sleep(1)
    server.terminate()
    raise SystemExit("the Odoo server did not start on port %s" % args.port)


def run_requests(calls, clients=CLIENTS):
    """(requests per second, status counts) of ``calls`` on ``clients`` threads."""
    statuses, lock = {}, threading.Lock()

    def one(call):
        status = call()
        with lock:
            statuses[status] = statuses.get(status, 0) + 1

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, calls))
    return len(calls) / (time.perf_counter() - start), statuses


def interleaved_latencies(first, second):
    """Median latency in ms of each list of calls, made one at a time and alternating (same load for both)."""
    timings = ([], [])
    statuses = ({}, {})
    for pair in zip(first, second, strict=True):
        for index, call in enumerate(pair):
            start = time.perf_counter()
            status = call()
            timings[index].append(time.perf_counter() - start)
            statuses[index][status] = statuses[index].get(status, 0) + 1
    return [(statistics.median(t) * 1000, s) for t, s in zip(timings, statuses, strict=True)]


def prepare_pixels(env, count):
    """``count`` sent mailing traces of bench contacts, and their open-pixel URLs."""
    cr = env.cr
    cr.execute("SELECT count(*) FROM res_partner WHERE email LIKE 'bench-web-%%'")
    if cr.fetchone()[0] < count:
        env["res.partner"].create(
            [{"name": "Web %s" % i, "email": "bench-web-%s@example.com" % i} for i in range(count)]
        )
    mailing = env["mailing.mailing"].create(
        {
            "subject": "Bench pixel",
            "body_html": "<p>Hi</p>",
            "mailing_model_id": env["ir.model"]._get_id("res.partner"),
            "state": "done",
        }
    )
    cr.execute("SELECT COALESCE(MAX(mail_mail_id_int), 0) + 1000000 FROM mailing_trace")
    offset = cr.fetchone()[0]
    cr.execute(
        """INSERT INTO mailing_trace (trace_type, mail_mail_id_int, email, model, res_id, mass_mailing_id,
                                      trace_status, sent_datetime, create_uid, create_date, write_uid, write_date)
           SELECT 'mail', %s + row_number() OVER (ORDER BY p.id), p.email, 'res.partner', p.id, %s, 'sent', now(),
                  1, now(), 1, now()
             FROM res_partner p WHERE p.email LIKE 'bench-web-%%' ORDER BY p.id LIMIT %s
        RETURNING mail_mail_id_int""",
        [offset, mailing.id, count],
    )
    mail_ids = [row[0] for row in cr.fetchall()]
    tokens = {mail_id: env["mail.mail"]._generate_mail_recipient_token(mail_id) for mail_id in mail_ids}
    cr.commit()
    return ["/mail/track/%s/%s/blank.gif" % (mail_id, tokens[mail_id]) for mail_id in mail_ids]


def bench_routes(base, pixel_paths, count):
    """The beacon and the pixel: median latency one request at a time, then throughput with CLIENTS clients.

    A beacon stores one figure per page view, so each beacon comes from its own visitor (2 x count
    visitors, each viewing the home page first), and each pixel hit opens its own trace.
    """
    sessions = [requests.Session() for _ in range(2 * count)]
    for index, session in enumerate(sessions):
        session.headers["User-Agent"] = "Mozilla/5.0 bench visitor %s" % index
    # every visitor views the home page (Odoo records the page view), then reads it for a while
    page_rps, page_status = run_requests([lambda s=s: s.get(base + "/", timeout=60).status_code for s in sessions])
    time.sleep(3)

    def beacon(session):
        return session.post(base + "/marketing/dwell", data={"url": base + "/", "seconds": "3"}, timeout=60).status_code

    pixel = requests.Session()
    beacons = [lambda s=s: beacon(s) for s in sessions]
    pixels = [lambda p=p: pixel.get(base + p, timeout=60).status_code for p in pixel_paths]
    (beacon_ms, beacon_lat_status), (pixel_ms, pixel_lat_status) = interleaved_latencies(
        beacons[:count], pixels[: len(pixel_paths) // 2]
    )
    beacon_rps, beacon_status = run_requests(beacons[count:])
    pixel_rps, pixel_status = run_requests(pixels[len(pixel_paths) // 2 :])
    for counts, more in ((beacon_status, beacon_lat_status), (pixel_status, pixel_lat_status)):
        for status, number in more.items():
            counts[status] = counts.get(status, 0) + number
    return {
        "page": (page_rps, None, page_status),
        "beacon": (beacon_rps, beacon_ms, beacon_status),
        "pixel": (pixel_rps, pixel_ms, pixel_status),
    }


class Chrome:
    """Headless Chromium driven over the DevTools protocol (websocket-client)."""

    def __init__(self, port):
        self.profile = tempfile.mkdtemp(prefix="bench_chrome_")
        binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
        self.process = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--remote-debugging-port=%s" % port,
                "--user-data-dir=%s" % self.profile,
                "--disable-extensions",
                "--no-first-run",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(50):
            try:
                targets = requests.get("http://127.0.0.1:%s/json" % port, timeout=1).json()
                page = next(t for t in targets if t["type"] == "page")
                break
            except (requests.RequestException, StopIteration, ValueError):
                time.sleep(0.2)
        else:
            raise SystemExit("chromium did not start")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        self.next_id = 0
        self.call("Page.enable")
        self.call("Network.enable")
        self.call("Network.setCacheDisabled", cacheDisabled=False)

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                return message.get("result", {})

    def load_ms(self, url):
        self.call("Page.navigate", url=url)
        while True:
            message = json.loads(self.ws.recv())
            if message.get("method") == "Page.loadEventFired":
                break
        time.sleep(0.2)  # loadEventEnd is set once the load handlers returned
        result = self.call(
            "Runtime.evaluate",
            expression="(() => { const n = performance.getEntriesByType('navigation')[0];"
            " return n.loadEventEnd - n.startTime; })()",
            returnByValue=True,
        )
        return result["result"]["value"]

    def script_urls(self):
        """The JavaScript bundles the current page loaded (they change when the beacon script is taken out)."""
        result = self.call(
            "Runtime.evaluate",
            expression="performance.getEntriesByType('resource').map(r => r.name)"
            ".filter(n => n.includes('/web/assets/') && n.endsWith('.js')).sort().join(' ')",
            returnByValue=True,
        )
        return result["result"]["value"]

    def close(self):
        self.ws.close()
        self.process.terminate()
        self.process.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


def set_script(registry, present):
    """Put the beacon script in the frontend bundle or take it out (an ir.asset 'remove' directive)."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Asset = env["ir.asset"]
        removal = Asset.search([("name", "=", "bench: no beacon script")])
        if present:
            removal.unlink()
        elif not removal:
            Asset.create(
                {
                    "name": "bench: no beacon script",
                    "bundle": "web.assets_frontend",
                    "directive": "remove",
                    "path": SCRIPT,
                }
            )
        env.registry.clear_cache("assets")
        cr.commit()
    registry.signal_changes()  # the server process drops its bundle cache too


def bench_page_load(registry, base, rounds, loads):
    chrome = Chrome(9300 + os.getpid() % 500)
    timings = {True: [], False: []}
    bundles = {True: set(), False: set()}
    try:
        for _round in range(rounds):
            for present in (True, False):
                set_script(registry, present)
                # a new server worker sees the registry change; the first loads rebuild the bundle
                time.sleep(1)
                for _ in range(2):
                    chrome.load_ms(base + "/?bench_warmup=1")
                timings[present] += [chrome.load_ms(base + "/") for _ in range(loads)]
                bundles[present].add(chrome.script_urls())
    finally:
        set_script(registry, True)
        chrome.close()
    if bundles[True] & bundles[False]:
        raise SystemExit("the frontend bundle did not change without the beacon script: %s" % bundles)
    return statistics.median(timings[True]), statistics.median(timings[False]), len(timings[True])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--port", type=int, default=8269)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--loads", type=int, default=10)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "--no-http"])
    registry = Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        pixel_paths = prepare_pixels(env, 2 * args.requests)
        env["website"].search([]).write({"marketing_track_all_pages": True, "cookies_bar": False})
        cr.commit()
    server, base = start_server(args)
    try:
        routes = bench_routes(base, pixel_paths, args.requests)
        with_script, without_script, loads = bench_page_load(registry, base, args.rounds, args.loads)
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:  # a keep-alive connection can hold the graceful stop
            server.kill()
            server.wait(10)
    beacon, pixel, page = routes["beacon"], routes["pixel"], routes["page"]
    log("")
    log(
        "== website beacon: median latency of %d requests each (one at a time, alternating), then req/s of %d more"
        " with %d clients; same server" % (args.requests, args.requests, CLIENTS)
    )
    log("%-44s %10s %12s  %s" % ("route", "req/s", "median ms", "statuses"))
    log("%-44s %10.1f %12.1f  %s" % ("POST /marketing/dwell (time on page)", beacon[0], beacon[1], beacon[2]))
    log("%-44s %10.1f %12.1f  %s" % ("GET /mail/track/../blank.gif (Odoo pixel)", pixel[0], pixel[1], pixel[2]))
    log("%-44s %10.1f %12s  %s" % ("GET / (page view, for scale)", page[0], "", page[2]))
    log("beacon / Odoo pixel: throughput x%.2f, median latency x%.2f" % (beacon[0] / pixel[0], beacon[1] / pixel[1]))
    log("")
    log("== page load in headless Chromium, home page, %d loads each (median, ms)" % loads)
    log(
        "with the beacon script: %.1f   without: %.1f   ratio: %.3f"
        % (with_script, without_script, with_script / without_script)
    )


if __name__ == "__main__":
    main()
