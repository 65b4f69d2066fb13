from . import test_beacon, test_dwell_math, test_journeys_and_segments, test_page_views, test_segment_content, test_tour
