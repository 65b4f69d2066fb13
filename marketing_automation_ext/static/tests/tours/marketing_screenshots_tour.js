import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

/**
 * The screenshots of the Apps page and the README, taken by tests/test_screenshots.py on the
 * demo data: the tour brings each screen up, then asks the test for a screenshot by logging
 * "marketing-screenshot:<name>" and waits until the test has taken it.
 * Only that test can run this tour (nothing else answers the screenshot requests).
 */

const SCREENSHOT_PREFIX = "marketing-screenshot:";

/** Resolves when no image of the page is still loading and two frames were painted. */
async function settle() {
    const pending = [...document.images].filter((image) => !image.complete);
    await Promise.all(
        pending.map(
            (image) =>
                new Promise((resolve) => {
                    image.addEventListener("load", resolve, { once: true });
                    image.addEventListener("error", resolve, { once: true });
                })
        )
    );
    // let transitions (progress bars, tab switches) finish before the picture
    await new Promise((resolve) => setTimeout(resolve, 600));
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
}

/** Scrolls the view's content so that ``selector`` is at the top (the control panel stays). */
function scrollToTop(selector, offset = 0) {
    const element = document.querySelector(selector);
    const content = element.closest(".o_content");
    const top =
        element.getBoundingClientRect().top - content.getBoundingClientRect().top + content.scrollTop - offset;
    content.scrollTo({ top, behavior: "instant" });
}

function screenshot(name, what) {
    return [
        {
            content: `Screenshot ${name}: ${what}`,
            trigger: "body",
            run: async () => {
                document.activeElement?.blur();
                await settle();
                console.log(SCREENSHOT_PREFIX + name);
            },
        },
        {
            content: `Screenshot ${name} taken`,
            trigger: `body[data-marketing-screenshot='${name}']`,
        },
    ];
}

registry.category("web_tour.tours").add("marketing_automation_ext_screenshots_tour", {
    url: "/odoo/crm",
    steps: () => [
        // (a) the pipeline, every salesperson's opportunities, with their score badges
        {
            content: "The pipeline shows score badges",
            trigger: ".o_kanban_record .o_marketing_score_badge",
        },
        {
            content: "Show every salesperson's opportunities",
            trigger: ".o_searchview_facet:contains('My Pipeline') .o_facet_remove",
            run: "click",
        },
        {
            content: "Other salespeople's hot opportunities are on the board",
            trigger:
                "body:not(:has(.o_searchview_facet)) .o_kanban_record:contains('Open Space Design') .o_marketing_grade_hot",
        },
        {
            content: "A cold badge too",
            trigger: ".o_kanban_record .o_marketing_grade_cold",
        },
        {
            content: "A warm badge too",
            trigger: ".o_kanban_record .o_marketing_grade_warm",
        },
        ...screenshot("pipeline", "the CRM pipeline with score badges"),

        // (b) a lead's score, explained
        {
            content: "Open a hot opportunity",
            trigger: ".o_kanban_record:contains('Office Design Project') .fw-bold.fs-5",
            run: "click",
        },
        {
            content: "Open the score tab",
            trigger: ".o_form_view a.nav-link:contains('Marketing Score')",
            run: "click",
        },
        {
            content: "The breakdown lists the reasons",
            trigger: ".o_field_widget[name=marketing_score_breakdown] td:contains('Replied to an email')",
            run: () => scrollToTop(".o_form_view .o_notebook"),
        },
        ...screenshot("lead_score", "why a lead is hot: points per rule and history"),

        // (c) a running journey: its tree of steps with figures
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Marketing Automation app",
            trigger: '.o_app[data-menu-xmlid="marketing_automation_ext.marketing_automation_menu_root"]',
            run: "click",
        },
        {
            content: "Open the webinar journey",
            trigger: ".o_list_view .o_data_row td[name=name]:contains('Webinar follow-up')",
            run: "click",
        },
        {
            content: "The steps show their figures",
            trigger: ".o_ma_step_card:contains('Call: watched the replay') .o_ma_step_figure_done",
            run: () => scrollToTop(".o_form_view .o_notebook", 8),
        },
        ...screenshot("journey", "a journey: steps as a tree, with what happened at each"),

        // (d) a segment with its live count
        {
            content: "Open Engagement",
            trigger: 'button[data-menu-xmlid="marketing_automation_ext.marketing_automation_menu_activity"]',
            run: "click",
        },
        {
            content: "Open the segments",
            trigger: 'a[data-menu-xmlid="marketing_automation_ext.marketing_segment_menu"]',
            run: "click",
        },
        {
            content: "Open the webinar segment",
            trigger: ".o_list_view .o_data_row td[name=name]:contains('Webinar attendees ready for sales')",
            run: "click",
        },
        {
            content: "The segment shows its live count next to its members",
            trigger: ".o_form_view:has(.o_field_widget[name=preview_count]) .oe_stat_button:contains('Members')",
        },
        ...screenshot("segment", "a segment: rules, live count and members"),
    ],
});
