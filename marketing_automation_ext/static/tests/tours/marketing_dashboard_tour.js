import { registry } from "@web/core/registry";

/**
 * The marketing dashboard on the data tests/test_reporting_ui.py builds: the figures on screen,
 * a click-through, and a screenshot of the dashboard and of a journey diagram (test artefacts).
 */

const SCREENSHOT_PREFIX = "marketing-screenshot:";

function screenshot(name) {
    return [
        {
            content: `Screenshot ${name}`,
            trigger: "body",
            run: async () => {
                document.activeElement?.blur();
                await new Promise((resolve) => setTimeout(resolve, 600));
                await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
                console.log(SCREENSHOT_PREFIX + name);
            },
        },
        {
            content: `Screenshot ${name} taken`,
            trigger: `body[data-marketing-screenshot='${name}']`,
        },
    ];
}

registry.category("web_tour.tours").add("marketing_dashboard_tour", {
    url: "/odoo/action-marketing_automation_ext.marketing_dashboard_action",
    steps: () => [
        {
            content: "The dashboard is drawn",
            trigger: ".o_ma_dashboard .o_ma_kpis",
        },
        {
            content: "Only the tour's journey",
            trigger: ".o_ma_filter_journey",
            run: "selectByLabel Dashboard tour journey",
        },
        {
            content: "Its participants",
            trigger: ".o_ma_kpi_participants .o_ma_kpi_value:contains('4')",
        },
        {
            content: "Its conversion rate: 1 of 4",
            trigger: ".o_ma_kpi_conversion .o_ma_kpi_value:contains('25')",
        },
        {
            content: "Revenue attributed to it: the won lead its email touched",
            trigger: ".o_ma_kpi_revenue .o_ma_kpi_value:contains('1,500')",
        },
        {
            content: "ROI: 1,500 earned for 500 spent",
            trigger: ".o_ma_kpi_roi .o_ma_kpi_value:contains('200')",
        },
        {
            content: "The journey's row",
            trigger: ".o_ma_journey_row:contains('Dashboard tour journey') .o_ma_journey_participants:contains('4')",
        },
        {
            content: "The funnel: 4 reached, 3 sent, 2 opened, 1 clicked",
            trigger: ".o_ma_funnel_stage[data-stage=reached] .o_ma_funnel_count:contains('4')",
            run() {
                const count = (stage) =>
                    document.querySelector(`.o_ma_funnel_stage[data-stage=${stage}] .o_ma_funnel_count`).textContent;
                const seen = ["sent", "opened", "clicked", "converted"].map(count).join(",");
                if (seen !== "3,2,1,1") {
                    throw new Error(`funnel shows ${seen}`);
                }
            },
        },
        {
            content: "The heatmap has the opens",
            trigger: ".o_ma_heatmap_cell:contains('2')",
        },
        {
            content: "The grade chart is drawn (Chart.js)",
            trigger: ".o_ma_grades_chart",
            run() {
                if (!window.Chart || !window.Chart.getChart(document.querySelector(".o_ma_grades_chart"))) {
                    throw new Error("no Chart.js chart on the grades canvas");
                }
            },
        },
        ...screenshot("dashboard"),
        {
            content: "Open the participants behind the figure",
            trigger: ".o_ma_kpi_participants",
            run: "click",
        },
        {
            content: "The participants listed are those counted",
            trigger: ".o_list_view .o_data_row:nth-child(4):last-child",
        },
    ],
});

registry.category("web_tour.tours").add("marketing_diagram_screenshot_tour", {
    url: "/odoo/action-marketing_automation_ext.marketing_workflow_action",
    steps: () => [
        {
            content: "Open the tour's journey",
            trigger: ".o_data_row td[name=name]:contains('Dashboard tour journey')",
            run: "click",
        },
        {
            content: "The diagram shows how many went down to the reminder",
            trigger: ".o_ma_step_node:contains('Tour reminder')",
            run() {
                const node = [...document.querySelectorAll(".o_ma_step_node")].find((n) =>
                    n.textContent.includes("Tour reminder")
                );
                const label = document.querySelector(`.o_ma_edge_label[data-step-id="${node.dataset.stepId}"]`);
                if (label.querySelector(".o_ma_edge_passed").textContent.trim() !== "2") {
                    throw new Error("the edge to the reminder does not say 2 passed");
                }
            },
        },
        ...screenshot("diagram"),
    ],
});
