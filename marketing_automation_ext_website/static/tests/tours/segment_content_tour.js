/** @odoo-module **/
import { registry } from "@web/core/registry";

const READY = ".s_marketing_segment_content.o_marketing_segment_ready";

registry.category("web_tour.tours").add("marketing_segment_content_member_tour", {
    url: "/offer",
    steps: () => [
        {
            content: "A member sees the segment's block",
            trigger: `${READY} .o_marketing_segment_match:not(.d-none):contains('Welcome back, customer')`,
        },
        {
            content: "and not the fallback",
            trigger: `${READY} .o_marketing_segment_fallback.d-none:not(:visible)`,
        },
    ],
});

registry.category("web_tour.tours").add("marketing_segment_content_other_tour", {
    url: "/offer",
    steps: () => [
        {
            content: "Anyone else sees the fallback",
            trigger: `${READY} .o_marketing_segment_fallback:not(.d-none):contains('Discover our offer')`,
        },
        {
            content: "and not the segment's block",
            trigger: `${READY} .o_marketing_segment_match.d-none:not(:visible)`,
        },
    ],
});
