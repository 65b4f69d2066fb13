{
    "name": "Marketing Automation: eCommerce",
    "summary": "An abandoned cart journey in the template gallery: an email after one hour, an SMS a day "
    "later if the cart is still unpaid, out as soon as the order is confirmed",
    "version": "18.0.1.0.0",
    "category": "Marketing",
    "website": "https://github.com/marketing-automation-ext/marketing_automation_ext",
    "author": "Marketing Automation Ext contributors",
    "license": "LGPL-3",
    "installable": True,
    "auto_install": True,
    "depends": ["marketing_automation_ext_website", "website_sale"],
    "data": [
        "data/marketing_workflow_template_data.xml",
    ],
}
