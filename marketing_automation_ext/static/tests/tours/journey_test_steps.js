/** Tour steps shared by the journey tours: test the open journey on a contact and run its first step now. */
export function testJourneySteps(contactName) {
    return [
        {
            content: "Test the journey",
            trigger: ".o_form_statusbar button[name=action_test]",
            run: "click",
        },
        {
            content: "Pick the test contact",
            trigger: ".modal .o_field_widget[name=partner_id] input",
            run: `edit ${contactName}`,
        },
        {
            content: "Select it",
            trigger: `.modal .o-autocomplete--dropdown-item a:contains('${contactName}')`,
            run: "click",
        },
        {
            content: "Launch the test",
            trigger: ".modal button[name=action_launch]",
            run: "click",
        },
        {
            content: "The test participant waits at the first step",
            trigger: `.o_form_view .o_field_widget[name=res_name]:contains('${contactName}')`,
        },
        {
            content: "Run the first step now",
            trigger: ".o_form_statusbar button[name=action_run_next]",
            run: "click",
        },
        {
            content: "Open the position",
            trigger: ".o_notebook a.nav-link:contains('Position')",
            run: "click",
        },
    ];
}
