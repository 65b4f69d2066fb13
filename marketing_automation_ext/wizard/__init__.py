from . import marketing_segment_add
from . import marketing_workflow_test
from . import marketing_workflow_template_use
from . import marketing_mailing_preview
