from . import test_event_journey_lib, test_event_templates
