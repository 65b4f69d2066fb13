/** @odoo-module **/
// Time on page: the seconds this page was visible, sent once when it is first hidden or left.
// Nothing is sent for a visitor who refused optional cookies (the website's cookies bar).
import { cookie } from "@web/core/browser/cookie";

export const DWELL_ROUTE = "/marketing/dwell";

export function startDwellBeacon(win = window) {
    const doc = win.document;
    if (!win.navigator.sendBeacon || !doc.documentElement.dataset.websiteId) {
        return;
    }
    if (new URLSearchParams(win.location.search).has("enable_editor")) {
        return; // the builder editing a page is not a read
    }
    let visibleSince = doc.visibilityState === "visible" ? Date.now() : null;
    let visibleMs = 0;
    let sent = false;
    const send = () => {
        if (visibleSince !== null) {
            visibleMs += Date.now() - visibleSince;
            visibleSince = null;
        }
        const seconds = Math.round(visibleMs / 1000);
        if (sent || seconds < 1 || !cookie.isAllowedCookie("optional")) {
            return;
        }
        sent = true;
        const body = new URLSearchParams({
            url: win.location.href.split("#")[0],
            seconds: String(seconds),
        });
        win.navigator.sendBeacon(DWELL_ROUTE, body);
    };
    doc.addEventListener("visibilitychange", () => {
        if (doc.visibilityState === "hidden") {
            send();
        } else if (!sent) {
            visibleSince = Date.now();
        }
    });
    win.addEventListener("pagehide", send);
}

startDwellBeacon();
