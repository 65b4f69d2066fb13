from . import test_dwell_math, test_page_views
