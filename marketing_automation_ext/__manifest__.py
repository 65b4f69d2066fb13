{
    "name": "Marketing Automation (Scoring, Segments, Journeys)",
    "summary": "Lead and contact scoring in the CRM pipeline, fed by one engagement log "
    "built on Odoo's own mail, SMS, mailing and CRM tracking",
    "version": "18.0.1.0.0",
    "category": "Marketing",
    "website": "https://github.com/marketing-automation-ext/marketing_automation_ext",
    "author": "Marketing Automation Ext contributors",
    "license": "LGPL-3",
    "application": True,
    "installable": True,
    "depends": ["crm", "mass_mailing", "mass_mailing_sms"],
    "data": [
        "security/marketing_automation_security.xml",
        "security/ir.model.access.csv",
        "data/ir_config_parameter_data.xml",
        "data/ir_cron_data.xml",
        "data/marketing_score_rule_data.xml",
        "data/marketing_segment_data.xml",
        "views/marketing_event_views.xml",
        "views/marketing_score_rule_views.xml",
        "views/marketing_score_history_views.xml",
        "views/marketing_segment_views.xml",
        "views/res_partner_views.xml",
        "views/crm_lead_views.xml",
        "views/res_config_settings_views.xml",
        "views/marketing_automation_menus.xml",
    ],
    "demo": ["demo/marketing_demo.xml"],
    "assets": {
        "web.assets_backend": [
            "marketing_automation_ext/static/src/scss/marketing_score.scss",
        ],
        "web.assets_tests": [
            "marketing_automation_ext/static/tests/tours/*.js",
        ],
    },
    "uninstall_hook": "uninstall_hook",
}
