import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import { testJourneySteps } from "@marketing_automation_ext/../tests/tours/journey_test_steps";

const ROOT_NODE = ".o_ma_step_node:has(> .o_ma_step_card .o_ma_step_name:contains('Tour welcome'))";

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
            content: `${name} shows as a card`,
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
            trigger: `${ROOT_NODE} > .o_ma_step_card .o_ma_step_condition:contains('When they enter')`,
        },
        {
            content: "Add a step after the welcome",
            trigger: `${ROOT_NODE} > .o_ma_step_card .o_ma_add_child`,
            run: "click",
        },
        {
            content: "The new step follows the welcome",
            trigger: ".modal .o_field_widget[name=parent_id] input:value('Tour welcome')",
        },
        ...fillStepDialog("Tour hot branch", { condition: "branch_true", action: "wait" }),
        {
            content: "Add another step after the welcome",
            trigger: `${ROOT_NODE} > .o_ma_step_card .o_ma_add_child`,
            run: "click",
        },
        ...fillStepDialog("Tour cold branch", { condition: "branch_false", action: "wait" }),
        {
            content: "The hot branch is nested under the welcome",
            trigger: `${ROOT_NODE} > .o_ma_step_children .o_ma_step_card:has(.o_ma_step_condition:contains('Condition true')) .o_ma_step_name:contains('Tour hot branch')`,
        },
        {
            content: "The cold branch is nested under the welcome",
            trigger: `${ROOT_NODE} > .o_ma_step_children .o_ma_step_card:has(.o_ma_step_condition:contains('Condition false')) .o_ma_step_name:contains('Tour cold branch')`,
        },
        ...testJourneySteps("Tour Tester"),
        {
            content: "The welcome step is done",
            trigger: ".o_field_widget[name=position] .o_ma_position_processed:contains('Tour welcome') .badge:contains('Done')",
        },
    ],
});
