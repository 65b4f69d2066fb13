import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import { testJourneySteps } from "@marketing_automation_ext/../tests/tours/journey_test_steps";

// A marketer starts a journey from the gallery, edits one of its emails, tests it and sees the step reached.
registry.category("web_tour.tours").add("marketing_template_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Marketing Automation app",
            trigger: '.o_app[data-menu-xmlid="marketing_automation_ext.marketing_automation_menu_root"]',
            run: "click",
        },
        {
            content: "Open the gallery",
            trigger: '.o_menu_sections [data-menu-xmlid="marketing_automation_ext.marketing_workflow_template_menu"]',
            run: "click",
        },
        {
            content: "The welcome series card shows its purpose, steps and channels",
            trigger:
                ".o_kanban_record:contains('Welcome series'):contains('a reply ends it') .o_ma_template_diagram:contains('Not opened: second chance')",
        },
        {
            content: "Use the welcome series",
            trigger: ".o_kanban_record:contains('Welcome series') button[name=action_use]",
            run: "click",
        },
        {
            content: "Name the journey",
            trigger: ".modal .o_field_widget[name=name] input",
            run: "edit Tour welcome series",
        },
        {
            content: "Give a welcome code",
            trigger: ".modal .o_field_widget[name=coupon_code] input",
            run: "edit TOUR10",
        },
        {
            content: "Create the journey",
            trigger: ".modal button[name=action_create]",
            run: "click",
        },
        {
            content: "The draft journey has its steps",
            trigger: ".o_form_view .o_ma_step_card .o_ma_step_name:contains('Two weeks in')",
        },
        {
            content: "Open its messages",
            trigger: ".o_notebook a.nav-link:contains('Messages')",
            run: "click",
        },
        {
            content: "Open the welcome email",
            trigger: ".o_field_widget[name=mailing_ids] .o_data_row td:contains('Welcome aboard!')",
            run: "click",
        },
        {
            content: "Change its subject",
            trigger: ".modal .o_field_widget[name=subject] input",
            run: "edit Welcome to the tour!",
        },
        {
            content: "Keep the email",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "The list shows the new subject",
            trigger: "body:not(:has(.modal)) .o_field_widget[name=mailing_ids] .o_data_row td:contains('Welcome to the tour!')",
        },
        {
            content: "Save the journey",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        ...testJourneySteps("Tour Tester"),
        {
            content: "The welcome email went out",
            trigger: ".o_field_widget[name=position] .o_ma_position_sending:contains('Welcome email')",
        },
    ],
});
