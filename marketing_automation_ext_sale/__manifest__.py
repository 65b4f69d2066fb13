{
    "name": "Marketing Automation: Sales",
    "summary": "Confirmed sale orders count in the marketing dashboard's attributed revenue and ROI",
    "version": "18.0.1.0.0",
    "category": "Marketing",
    "website": "https://github.com/marketing-automation-ext/marketing_automation_ext",
    "author": "Marketing Automation Ext contributors",
    "license": "LGPL-3",
    "installable": True,
    "auto_install": True,
    "depends": ["marketing_automation_ext", "sale"],
}
