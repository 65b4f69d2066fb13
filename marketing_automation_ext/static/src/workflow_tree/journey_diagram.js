/**
 * The journey diagram's geometry and colours: plain functions, no OWL and no DOM,
 * so that a tour can check them on hand-built trees (static/tests/tours/marketing_diagram_tour.js).
 */

export const DIAGRAM = {
    nodeWidth: 232,
    nodeHeight: 128,
    // room between siblings, and between a parent and its children (edge label and "+" button)
    hGap: 28,
    vGap: 84,
    entryHeight: 40,
    margin: 16,
};

export const ENTRY_ID = "entry";

/**
 * Top-down tidy tree layout of journey steps.
 *
 * Leaves take the next free column in depth-first order, a parent sits centred over its first
 * and last child, so subtrees never overlap and siblings keep their order (sequence, id).
 * A virtual entry node ("They enter") sits above the first steps. Steps whose parent is not
 * among ``steps`` are first steps; a loop in the parents (never stored, the model refuses it)
 * would not hang the layout: a step is placed once.
 *
 * @param {{id: number, parent_id: number|false|[number, string]}[]} steps in display order
 * @param {Partial<typeof DIAGRAM>} [options]
 * @returns {{nodes: Object<string, {id, x, y, depth, parentId}>, order: Array, edges: Array,
 *            width: number, height: number}}
 *   x, y: the node's top-left corner; edges from the parent's bottom centre to the child's top
 *   centre, with an SVG path and where their label goes.
 */
export function layoutJourney(steps, options = {}) {
    const o = { ...DIAGRAM, ...options };
    const parentOf = (step) => (Array.isArray(step.parent_id) ? step.parent_id[0] : step.parent_id || false);
    const ids = new Set(steps.map((step) => step.id));
    const children = new Map([[ENTRY_ID, []]]);
    for (const step of steps) {
        const parent = ids.has(parentOf(step)) ? parentOf(step) : ENTRY_ID;
        if (!children.has(parent)) {
            children.set(parent, []);
        }
        children.get(parent).push(step.id);
    }
    const nodes = {};
    const order = [];
    let nextColumn = 0;
    const columnWidth = o.nodeWidth + o.hGap;
    const rowY = (depth) => (depth === 0 ? 0 : o.entryHeight + o.vGap + (depth - 1) * (o.nodeHeight + o.vGap));
    // iterative depth-first walk: 50+ nested steps must not reach the call stack's limit
    const place = (rootId) => {
        nodes[rootId] = { id: rootId, depth: 0, parentId: null };
        order.push(rootId);
        const stack = [{ id: rootId, next: 0, kids: children.get(rootId) || [], placed: [] }];
        while (stack.length) {
            const frame = stack[stack.length - 1];
            const node = nodes[frame.id];
            if (frame.next < frame.kids.length) {
                const childId = frame.kids[frame.next++];
                if (!(childId in nodes)) {
                    nodes[childId] = { id: childId, depth: node.depth + 1, parentId: frame.id };
                    order.push(childId);
                    frame.placed.push(childId);
                    stack.push({ id: childId, next: 0, kids: children.get(childId) || [], placed: [] });
                }
                continue;
            }
            stack.pop();
            if (frame.placed.length) {
                const first = nodes[frame.placed[0]].centre;
                const last = nodes[frame.placed[frame.placed.length - 1]].centre;
                node.centre = (first + last) / 2;
            } else {
                node.centre = nextColumn * columnWidth + o.nodeWidth / 2;
                nextColumn++;
            }
            node.y = rowY(node.depth);
        }
    };
    place(ENTRY_ID);
    let width = Math.max(nextColumn, 1) * columnWidth - o.hGap;
    let maxDepth = 0;
    for (const node of Object.values(nodes)) {
        node.x = o.margin + node.centre - o.nodeWidth / 2;
        node.y += o.margin;
        node.height = node.id === ENTRY_ID ? o.entryHeight : o.nodeHeight;
        maxDepth = Math.max(maxDepth, node.depth);
    }
    width += 2 * o.margin;
    const height = o.margin * 2 + rowY(maxDepth) + (maxDepth ? o.nodeHeight : o.entryHeight);
    const edges = [];
    for (const id of order) {
        const node = nodes[id];
        if (node.parentId === null) {
            continue;
        }
        const parent = nodes[node.parentId];
        const x1 = parent.x + o.nodeWidth / 2;
        const y1 = parent.y + parent.height;
        const x2 = node.x + o.nodeWidth / 2;
        const y2 = node.y;
        const middle = (y1 + y2) / 2;
        edges.push({
            from: node.parentId,
            to: id,
            x1,
            y1,
            x2,
            y2,
            path: `M ${x1} ${y1} C ${x1} ${middle}, ${x2} ${middle}, ${x2} ${y2}`,
            // under the child's own column: labels of siblings never overlap
            labelX: node.x,
            labelY: y2 - o.vGap * 0.62,
        });
    }
    return { nodes, order, edges, width, height };
}

/** How many participants went down the branch to a step: the runs of the step, whatever their outcome. */
export function passedCount(step) {
    return (
        (step.count_processed || 0) +
        (step.count_sending || 0) +
        (step.count_rejected || 0) +
        (step.count_error || 0)
    );
}

const EMAIL_ACTIONS = ["email", "best_channel"];
// thresholds marketers quote for journey emails (opens) and SMS (clicks)
const OPEN_RATE = { good: 0.3, fair: 0.15 };
const SMS_CLICK_RATE = { good: 0.1, fair: 0.03 };
const FAILURE_RATE = { good: 0.05, fair: 0.2 };

/**
 * A step's performance as a colour class: "good", "fair", "poor", or "none" without figures.
 * Emails by open rate, SMS by click rate, other actions by the share of runs that failed or
 * were rejected.
 */
export function stepPerformance(step) {
    const sent = step.count_sent || 0;
    if (EMAIL_ACTIONS.includes(step.action_type) && sent) {
        const rate = (step.count_opened || 0) / sent;
        return rate >= OPEN_RATE.good ? "good" : rate >= OPEN_RATE.fair ? "fair" : "poor";
    }
    if (step.action_type === "sms" && sent) {
        const rate = (step.count_clicked || 0) / sent;
        return rate >= SMS_CLICK_RATE.good ? "good" : rate >= SMS_CLICK_RATE.fair ? "fair" : "poor";
    }
    const runs = passedCount(step);
    if (!runs) {
        return "none";
    }
    const failed = ((step.count_rejected || 0) + (step.count_error || 0)) / runs;
    return failed <= FAILURE_RATE.good ? "good" : failed <= FAILURE_RATE.fair ? "fair" : "poor";
}

/** The zoom that fits a diagram of ``width`` in ``available`` pixels, between 0.25 and 1. */
export function fitZoom(width, available) {
    if (!width || !available) {
        return 1;
    }
    return Math.max(0.25, Math.min(1, Math.floor((available / width) * 20) / 20));
}
