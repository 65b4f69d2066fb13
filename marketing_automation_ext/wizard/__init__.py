from . import marketing_segment_add
