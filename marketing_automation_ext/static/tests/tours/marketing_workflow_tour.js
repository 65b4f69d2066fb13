import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import { testJourneySteps } from "@marketing_automation_ext/../tests/tours/journey_test_steps";

const ROOT_NODE = ".o_ma_step_node:has(> .o_ma_step_card .o_ma_step_name:contains('Tour welcome'))";

/** A box of the diagram drawn under the box of ``parentName``, with its condition on the edge. */
function checkBranch(parentName, childName, condition) {
    const nodeOf = (name) =>
        [...document.querySelectorAll(".o_ma_step_node")].find(
            (node) => node.querySelector(".o_ma_step_name").textContent.trim() === name
        );
    const parent = nodeOf(parentName);
    const child = nodeOf(childName);
    if (!parent || !child) {
        throw new Error(`${parentName} or ${childName} is not in the diagram`);
    }
    if (child.dataset.parentId !== parent.dataset.stepId) {
        throw new Error(`${childName} is not drawn after ${parentName}`);
    }
    if (child.getBoundingClientRect().top <= parent.getBoundingClientRect().bottom) {
        throw new Error(`${childName} is not below ${parentName}`);
    }
    const label = document.querySelector(`.o_ma_edge_label[data-step-id="${child.dataset.stepId}"]`);
    if (!label || !label.textContent.includes(condition)) {
        throw new Error(`the edge to ${childName} does not say "${condition}"`);
    }
    const edge = document.querySelector(`.o_ma_diagram_edge[data-step-id="${child.dataset.stepId}"]`);
    if (!edge) {
        throw new Error(`no edge is drawn to ${childName}`);
    }
}

/** Steps filling and saving the step dialog. */
function fillStepDialog(name, { condition, action }) {
    const steps = [
        {
            content: `Name the step ${name}`,
            trigger: ".modal .o_form_view .o_field_widget[name=name] input",
            run: `edit ${name}`,
        },
    ];
    if (condition) {
        steps.push({
            content: `${name} runs on a condition`,
            trigger: ".modal .o_field_widget[name=condition] select",
            run: `select "${condition}"`,
        });
    }
    steps.push(
        {
            content: `${name}: choose what it does`,
            trigger: ".modal .o_field_widget[name=action_type] select",
            run: `select "${action}"`,
        },
        {
            content: `Save ${name}`,
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: `${name} shows as a box of the diagram`,
            trigger: `body:not(:has(.modal)) .o_ma_step_card .o_ma_step_name:contains('${name}')`,
        }
    );
    return steps;
}

registry.category("web_tour.tours").add("marketing_workflow_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Marketing Automation app",
            trigger: '.o_app[data-menu-xmlid="marketing_automation_ext.marketing_automation_menu_root"]',
            run: "click",
        },
        {
            content: "Open the journeys",
            trigger: '.o_menu_sections [data-menu-xmlid="marketing_automation_ext.marketing_workflow_menu"]',
            run: "click",
        },
        {
            content: "The journeys list is open",
            trigger: ".o_breadcrumb .active:contains('Journeys')",
        },
        {
            content: "Create a journey",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Name it",
            trigger: ".o_form_view .o_field_widget[name=name] input",
            run: "edit Tour journey",
        },
        {
            content: "It runs on contacts",
            trigger: ".o_field_widget[name=model_name] input[data-value='res.partner']",
            run: "click",
        },
        {
            content: "Add the first step (saves the journey)",
            trigger: ".o_field_widget[name=step_ids] .o_ma_add_root",
            run: "click",
        },
        ...fillStepDialog("Tour welcome", { action: "activity" }),
        {
            content: "The first step waits for enrolment",
            trigger: ".o_ma_edge_label .o_ma_step_condition:contains('When they enter')",
        },
        {
            content: "Add a step after the welcome",
            trigger: `${ROOT_NODE} > .o_ma_add_child`,
            run: "click",
        },
        {
            content: "The new step follows the welcome",
            trigger: ".modal .o_field_widget[name=parent_id] input:value('Tour welcome')",
        },
        ...fillStepDialog("Tour hot branch", { condition: "branch_true", action: "wait" }),
        {
            content: "Add another step after the welcome",
            trigger: `${ROOT_NODE} > .o_ma_add_child`,
            run: "click",
        },
        ...fillStepDialog("Tour cold branch", { condition: "branch_false", action: "wait" }),
        {
            content: "The hot branch is drawn under the welcome, its edge says when",
            trigger: ".o_ma_step_node .o_ma_step_name:contains('Tour cold branch')",
            run: () => checkBranch("Tour welcome", "Tour hot branch", "Condition true"),
        },
        {
            content: "The cold branch too",
            trigger: ".o_ma_step_node .o_ma_step_name:contains('Tour cold branch')",
            run: () => checkBranch("Tour welcome", "Tour cold branch", "Condition false"),
        },
        {
            content: "Zoom out",
            trigger: ".o_ma_zoom_out",
            run: "click",
        },
        {
            content: "The diagram is drawn smaller",
            trigger: ".o_ma_diagram_canvas[style*='scale(0.']",
        },
        {
            content: "Clicking a box opens its step",
            trigger: ".o_ma_step_card:has(.o_ma_step_name:contains('Tour hot branch'))",
            run: "click",
        },
        {
            content: "The step opens in a dialog",
            trigger: ".modal .o_field_widget[name=name] input:value('Tour hot branch')",
        },
        {
            content: "Close it",
            trigger: ".modal .o_form_button_cancel",
            run: "click",
        },
        ...testJourneySteps("Tour Tester"),
        {
            content: "The welcome step is done",
            trigger: ".o_field_widget[name=position] .o_ma_position_processed:contains('Tour welcome') .badge:contains('Done')",
        },
    ],
});
