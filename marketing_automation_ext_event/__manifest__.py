{
    "name": "Marketing Automation: Events",
    "summary": "Journey templates for events: invitation to a segment, reminder to registrants, "
    "thank-you to attendees and a follow-up to no-shows",
    "version": "18.0.1.0.0",
    "category": "Marketing",
    "website": "https://github.com/marketing-automation-ext/marketing_automation_ext",
    "author": "Marketing Automation Ext contributors",
    "license": "LGPL-3",
    "installable": True,
    "auto_install": True,
    "depends": ["marketing_automation_ext", "event"],
    "data": [
        "security/ir.model.access.csv",
        "data/marketing_workflow_template_data.xml",
        "views/marketing_workflow_views.xml",
        "views/marketing_workflow_template_views.xml",
    ],
}
