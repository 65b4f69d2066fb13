{
    "name": "Marketing Automation: Website",
    "summary": "Page views with time on page, website forms and newsletter signups as touchpoints that "
    "score contacts and leads and start journeys; content by segment",
    "version": "18.0.1.0.0",
    "category": "Marketing",
    "website": "https://github.com/marketing-automation-ext/marketing_automation_ext",
    "author": "Marketing Automation Ext contributors",
    "license": "LGPL-3",
    "installable": True,
    "auto_install": True,
    "depends": ["marketing_automation_ext", "website", "website_crm", "website_mass_mailing"],
    "data": [
        "data/marketing_score_rule_data.xml",
        "views/marketing_score_rule_views.xml",
        "views/marketing_segment_views.xml",
        "views/marketing_workflow_views.xml",
        "views/res_config_settings_views.xml",
        "views/website_track_views.xml",
        "views/snippets/s_segment_content.xml",
    ],
    "assets": {
        "web.assets_frontend": [
            "marketing_automation_ext_website/static/src/js/dwell_beacon.js",
            "marketing_automation_ext_website/static/src/snippets/s_segment_content/000.js",
            "marketing_automation_ext_website/static/src/snippets/s_segment_content/000.scss",
        ],
        "web.assets_tests": [
            "marketing_automation_ext_website/static/tests/tours/*.js",
        ],
    },
}
