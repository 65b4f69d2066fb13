/** @odoo-module **/
// Content by segment: the page is the same for everyone (cacheable); one small JSON call asks
// whether the current visitor is in the block's segment or grade, then shows its block or the fallback.
import publicWidget from "@web/legacy/js/public/public_widget";
import { rpc } from "@web/core/network/rpc";

export const SegmentContent = publicWidget.Widget.extend({
    selector: ".s_marketing_segment_content",
    disabledInEditableMode: false,

    async start() {
        await this._super(...arguments);
        if (this.editableMode) {
            return; // the builder shows both blocks to edit them
        }
        const segmentId = parseInt(this.el.dataset.segmentId || "0");
        const grade = this.el.dataset.grade || "";
        let shown = false;
        if (segmentId || grade) {
            const result = await rpc("/marketing/segment/match", {
                segment_ids: segmentId ? [segmentId] : [],
                grade: grade || false,
            });
            shown =
                (!segmentId || result.segment_ids.includes(segmentId)) && (!grade || result.grade_match);
        }
        this._show(shown);
    },

    _show(matched) {
        for (const el of this.el.querySelectorAll(".o_marketing_segment_match")) {
            el.classList.toggle("d-none", !matched);
        }
        for (const el of this.el.querySelectorAll(".o_marketing_segment_fallback")) {
            el.classList.toggle("d-none", matched);
        }
        this.el.classList.add("o_marketing_segment_ready");
    },
});

publicWidget.registry.MarketingSegmentContent = SegmentContent;
