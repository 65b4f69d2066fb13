from . import marketing_workflow_template_use
