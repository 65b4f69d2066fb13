import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("marketing_automation_ext_menu_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Marketing Automation app",
            trigger: '.o_app[data-menu-xmlid="marketing_automation_ext.marketing_automation_menu_root"]',
            run: "click",
        },
        {
            content: "The app opens on its journeys",
            trigger: ".o_breadcrumb:contains('Journeys')",
        },
        {
            content: "Open Engagement",
            trigger: 'button[data-menu-xmlid="marketing_automation_ext.marketing_automation_menu_activity"]',
            run: "click",
        },
        {
            content: "Open the engagement log",
            trigger: 'a[data-menu-xmlid="marketing_automation_ext.marketing_event_menu"]',
            run: "click",
        },
        {
            content: "The engagement log lists the open",
            trigger: ".o_list_view .o_data_row:contains('Anna Buyer'):contains('Email opened')",
        },
        {
            content: "Open Configuration",
            trigger: 'button[data-menu-xmlid="marketing_automation_ext.marketing_automation_menu_config"]',
            run: "click",
        },
        {
            content: "Open the score rules",
            trigger: 'a[data-menu-xmlid="marketing_automation_ext.marketing_score_rule_menu"]',
            run: "click",
        },
        {
            content: "The rules list shows the opened rule",
            trigger: ".o_list_view .o_data_row:contains('Opened')",
        },
    ],
});

registry.category("web_tour.tours").add("marketing_automation_ext_pipeline_tour", {
    url: "/odoo/crm",
    steps: () => [
        {
            content: "Anna's card shows her score badge",
            trigger: ".o_kanban_record:contains('Anna\\'s office project') .o_marketing_score_badge.o_marketing_grade_warm:contains('32')",
        },
        {
            content: "Open the lead",
            trigger: ".o_kanban_record:contains('Anna\\'s office project') .fw-bold",
            run: "click",
        },
        {
            content: "Open the score tab",
            trigger: "a.nav-link:contains('Marketing Score')",
            run: "click",
        },
        {
            content: "The breakdown names the reply rule",
            trigger: ".o_field_widget[name=marketing_score_breakdown] td:contains('Replied')",
        },
    ],
});

registry.category("web_tour.tours").add("marketing_automation_ext_segment_tour", {
    url: "/odoo/action-marketing_automation_ext.marketing_segment_action",
    steps: () => [
        {
            content: "Create a segment",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Name it",
            trigger: ".o_field_widget[name=name] input",
            run: "edit Hot buyers",
        },
        {
            content: "Only hot contacts",
            trigger: ".o_field_widget[name=grade_filter] select",
            run: 'select "hot"',
        },
        {
            content: "The live count follows while editing",
            trigger: ".o_field_widget[name=preview_count]:contains('1')",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_saved",
        },
    ],
});
