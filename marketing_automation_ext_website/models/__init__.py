from . import (
    ir_http,
    ir_model,
    marketing_event,
    marketing_score_rule,
    marketing_segment_condition,
    marketing_workflow,
    res_config_settings,
    res_partner,
    website,
    website_track,
    website_visitor,
)
