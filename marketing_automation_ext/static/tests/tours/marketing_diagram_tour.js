import { registry } from "@web/core/registry";
import {
    ENTRY_ID,
    DIAGRAM,
    fitZoom,
    layoutJourney,
    passedCount,
    stepPerformance,
} from "@marketing_automation_ext/workflow_tree/journey_diagram";

function assert(condition, message) {
    if (!condition) {
        throw new Error(`Journey diagram: ${message}`);
    }
}

function overlap(a, b) {
    return a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
}

/** The layout function on hand-built trees: where each box goes, with known coordinates. */
function checkLayout() {
    const { nodeWidth: w, nodeHeight: h, hGap, vGap, entryHeight, margin } = DIAGRAM;
    // 1 ─┬─ 2 ── 4        5
    //    └─ 3
    const layout = layoutJourney([
        { id: 1, parent_id: false },
        { id: 2, parent_id: [1, "one"] },
        { id: 3, parent_id: 1 },
        { id: 4, parent_id: [2, "two"] },
        { id: 5, parent_id: false },
    ]);
    const { nodes } = layout;
    const column = w + hGap;
    // leaves take columns 0 (4), 1 (3), 2 (5), left to right in depth-first order
    assert(nodes[4].x === margin && nodes[3].x === margin + column && nodes[5].x === margin + 2 * column,
        "leaves are not in their columns");
    assert(nodes[2].x === nodes[4].x, "a single child is not under its parent");
    assert(nodes[1].x === (nodes[2].x + nodes[3].x) / 2, "a parent is not centred over its children");
    assert(nodes[ENTRY_ID].x === (nodes[1].x + nodes[5].x) / 2, "the entry is not centred over the first steps");
    assert(nodes[1].y === margin + entryHeight + vGap, "first steps are not one row under the entry");
    assert(nodes[4].y === nodes[2].y + h + vGap, "depth rows are not evenly spaced");
    assert(layout.width === 3 * column - hGap + 2 * margin, `width ${layout.width}`);
    assert(layout.height === nodes[4].y + h + margin, `height ${layout.height}`);
    assert(layout.edges.length === 5, "one edge per step");
    const edge = layout.edges.find((e) => e.to === 4);
    assert(edge.from === 2 && edge.y1 === nodes[2].y + h && edge.y2 === nodes[4].y, "edge 2 → 4 misplaced");
    // a parent outside the list: a first step; an empty journey: the entry alone
    assert(layoutJourney([{ id: 7, parent_id: [99, "gone"] }]).nodes[7].parentId === ENTRY_ID,
        "an orphan is not a first step");
    assert(layoutJourney([]).order.length === 1, "an empty journey draws more than its entry");
    // 80 steps in a chain: no recursion limit, one row each
    const chain = Array.from({ length: 80 }, (_, i) => ({ id: i + 1, parent_id: i ? i : false }));
    const deep = layoutJourney(chain);
    assert(deep.nodes[80].depth === 80 && deep.edges.length === 80, "a long chain is cut");
    // figures and colours
    assert(passedCount({ count_processed: 5, count_rejected: 2, count_error: 1, count_scheduled: 9 }) === 8,
        "passed counts the runs, not what is still scheduled");
    assert(stepPerformance({ action_type: "email", count_sent: 10, count_opened: 4 }) === "good", "40% opens");
    assert(stepPerformance({ action_type: "email", count_sent: 10, count_opened: 2 }) === "fair", "20% opens");
    assert(stepPerformance({ action_type: "email", count_sent: 10, count_opened: 1 }) === "poor", "10% opens");
    assert(stepPerformance({ action_type: "sms", count_sent: 100, count_clicked: 2 }) === "poor", "2% SMS clicks");
    assert(stepPerformance({ action_type: "activity", count_processed: 9, count_error: 1 }) === "fair",
        "10% failed activities");
    assert(stepPerformance({ action_type: "email" }) === "none", "a step never run has no colour");
    assert(fitZoom(2000, 1000) === 0.5 && fitZoom(500, 1000) === 1 && fitZoom(10000, 100) === 0.25, "fitZoom");
}

/** The diagram of the journey the test built (60 steps): every box drawn, none over another. */
function checkBigDiagram() {
    const boxes = [...document.querySelectorAll(".o_ma_step_node")];
    assert(boxes.length === 60, `${boxes.length} boxes drawn instead of 60`);
    assert(document.querySelectorAll(".o_ma_diagram_edge").length === 60, "an edge is missing");
    const rects = boxes.map((box) => box.getBoundingClientRect());
    for (let i = 0; i < rects.length; i++) {
        for (let j = i + 1; j < rects.length; j++) {
            assert(!overlap(rects[i], rects[j]), `boxes ${i} and ${j} overlap`);
        }
    }
    for (const box of boxes) {
        const parentId = box.dataset.parentId;
        if (parentId !== ENTRY_ID) {
            const parent = document.querySelector(`.o_ma_step_node[data-step-id="${parentId}"]`);
            assert(parent.getBoundingClientRect().bottom < box.getBoundingClientRect().top,
                "a step is not drawn below its parent");
        }
    }
}

registry.category("web_tour.tours").add("marketing_diagram_tour", {
    url: "/odoo/action-marketing_automation_ext.marketing_workflow_action",
    steps: () => [
        {
            content: "The layout function places boxes where expected",
            trigger: ".o_list_view",
            run: checkLayout,
        },
        {
            content: "Open the big journey",
            trigger: ".o_data_row td[name=name]:contains('Diagram tour journey')",
            run: "click",
        },
        {
            content: "The diagram is drawn",
            trigger: ".o_ma_step_node .o_ma_step_name:contains('D60')",
        },
        {
            content: "The first steps show what they did and how many passed",
            trigger: ".o_ma_step_card.o_ma_perf_good:has(.o_ma_step_name:contains('D01')) .o_ma_step_figure_done:contains('3')",
        },
        {
            content: "The edge to the first step counts the participants who went down it",
            trigger: ".o_ma_edge_label:has(.o_ma_step_condition:contains('When they enter')) .o_ma_edge_passed:contains('3')",
        },
        {
            content: "60 boxes, none over another, each below its parent",
            trigger: ".o_ma_diagram_canvas",
            run: checkBigDiagram,
        },
        {
            content: "Zoom in",
            trigger: ".o_ma_zoom_in",
            run: "click",
        },
        {
            content: "The zoom changed",
            trigger: ".o_ma_zoom_value:not(:contains('50%'))",
        },
        {
            content: "Fit to width",
            trigger: ".o_ma_zoom_fit",
            run: "click",
        },
        {
            content: "60 boxes still apart after zooming",
            trigger: ".o_ma_diagram_canvas",
            run: checkBigDiagram,
        },
    ],
});
