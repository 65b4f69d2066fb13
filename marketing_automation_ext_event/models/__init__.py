from . import marketing_workflow, marketing_workflow_template, res_partner
