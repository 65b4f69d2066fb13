from . import marketing_segment_add
from . import marketing_workflow_test
