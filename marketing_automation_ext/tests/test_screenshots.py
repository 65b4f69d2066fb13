"""The screenshots of the Apps page and the README, taken by a browser tour on the demo data.

A tour (static/tests/tours/marketing_screenshots_tour.js) brings up each screen and logs
``marketing-screenshot:<name>``; the browser below answers with DevTools'
``Page.captureScreenshot`` and tells the page it is done. Odoo 18's ChromeBrowser only takes
screenshots when a tour fails, so this test swaps in a subclass for its own tour.

Every run leaves the pictures as test artefacts in ``$BUILD_DIR/screenshots`` when BUILD_DIR is
set (``BUILD_DIR=… make test``), else in Odoo's screenshot directory (``--screenshots``,
/tmp/odoo_tests by default) under ``<db>/marketing_automation_ext``; the log says where (INFO).
To refresh the committed ones in static/description (written only when every check passes),
run the test with
``MARKETING_SCREENSHOTS_DIR=marketing_automation_ext/static/description``, e.g.::

    MARKETING_SCREENSHOTS_DIR=marketing_automation_ext/static/description PYTEST_ARGS='-k screenshot' make test
"""

import base64
import io
import json
import logging
import os
from pathlib import Path

from PIL import Image

import odoo
from odoo.tests import HttpCase, common, get_db_name, tagged

_logger = logging.getLogger(__name__)

SCREENSHOT_PREFIX = "marketing-screenshot:"
SCREENSHOTS = {
    "pipeline": "screenshot_pipeline.png",
    "lead_score": "screenshot_lead_score.png",
    "journey": "screenshot_journey.png",
    "segment": "screenshot_segment.png",
}
WIDTH, HEIGHT = 1440, 900
MIN_BYTES = 30_000  # a real screen of Odoo, not a blank or an error page
MAX_BYTES = 300_000  # what the Apps page and the README carry
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def optimise_png(data):
    """The screenshot as a 256-colour PNG: the same picture for a screen of Odoo, a third of the size."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    palette = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True)
    return out.getvalue()


def artefacts_folder():
    """Where every run leaves its screenshots, to look at them (and at a failed one)."""
    if os.environ.get("BUILD_DIR"):
        return Path(os.environ["BUILD_DIR"]) / "screenshots"
    return Path(odoo.tools.config["screenshots"]) / get_db_name() / "marketing_automation_ext"


def write_pictures(folder, pictures):
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in pictures.items():
        (folder / SCREENSHOTS[name]).write_bytes(data)
    _logger.info("screenshots written to %s", folder.resolve())


class ScreenshotBrowser(common.ChromeBrowser):
    """Odoo's test browser at the test's window size, without scrollbars, that takes a
    screenshot whenever the page logs ``marketing-screenshot:<name>``."""

    def __init__(self, test_case, *args, **kwargs):
        super().__init__(test_case, *args, **kwargs)
        self._websocket_request("Emulation.setScrollbarsHidden", params={"hidden": True})

    def _handle_console(self, type, args=None, stackTrace=None, **kw):  # the names DevTools sends
        if type == "log" and args:
            message = str(self._from_remoteobject(args[0]))
            if message.startswith(SCREENSHOT_PREFIX):
                self._take_named_screenshot(message[len(SCREENSHOT_PREFIX) :])
                return
        return super()._handle_console(type, args=args, stackTrace=stackTrace, **kw)

    def _take_named_screenshot(self, name):
        # called from the websocket's receiving thread: send, never wait for an answer here
        shots = self.test_case.marketing_screenshots

        def done(future):
            try:
                shots[name] = base64.b64decode(future.result()["data"], validate=True)
            except Exception as error:  # the test reports it
                shots[name] = error
            self._websocket_send(
                "Runtime.evaluate",
                params={"expression": "document.body.dataset.marketingScreenshot = %s" % json.dumps(name)},
            )

        future = self._websocket_send(
            "Page.captureScreenshot", params={"format": "png", "captureBeyondViewport": False}, with_future=True
        )
        future.add_done_callback(done)


@tagged("post_install", "-at_install", "marketing_automation")
class TestScreenshots(HttpCase):
    browser_size = "%dx%d" % (WIDTH, HEIGHT)

    def test_screenshots(self):
        """The pipeline, a lead's score, a journey and a segment, as a user sees them on the demo data."""
        segment = self.env.ref("marketing_automation_ext.demo_segment_webinar_ready", raise_if_not_found=False)
        if not segment:
            self.skipTest("the screenshots show the addon's demo data")
        # what the pictures are meant to show is there
        self.assertGreater(segment.member_count, 0)
        self.assertEqual(segment.preview_count, segment.member_count)
        self.assertEqual(
            set(self.env["crm.lead"].search([("type", "=", "opportunity")]).mapped("marketing_grade")),
            {"cold", "warm", "hot"},
        )
        self.marketing_screenshots = {}
        self.patch(common, "ChromeBrowser", ScreenshotBrowser)
        self.start_tour("/odoo/crm", "marketing_automation_ext_screenshots_tour", login="admin", timeout=180)

        self.assertEqual(set(self.marketing_screenshots), set(SCREENSHOTS))
        pictures = {}
        for name, data in self.marketing_screenshots.items():
            self.assertIsInstance(data, bytes, "screenshot %s failed: %s" % (name, data))
            self.assertTrue(data.startswith(PNG_SIGNATURE), "screenshot %s is not a PNG" % name)
            pictures[name] = optimise_png(data)
        write_pictures(artefacts_folder(), pictures)  # before the checks: a bad picture is there to see

        for name, data in pictures.items():
            image = Image.open(io.BytesIO(data))
            self.assertEqual(image.size, (WIDTH, HEIGHT), name)
            # a real screen: many colours, not a blank page or a spinner
            self.assertIsNone(image.convert("RGB").getcolors(64), "screenshot %s is nearly blank" % name)
            self.assertGreater(len(data), MIN_BYTES, "screenshot %s is suspiciously small" % name)
            self.assertLess(len(data), MAX_BYTES, "screenshot %s is too heavy for the Apps page" % name)
        if os.environ.get("MARKETING_SCREENSHOTS_DIR"):  # refreshing the committed ones
            write_pictures(Path(os.environ["MARKETING_SCREENSHOTS_DIR"]), pictures)
