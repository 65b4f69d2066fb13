from . import test_scoring_math
from . import test_event_log
from . import test_scoring
from . import test_tracking
from . import test_security
from . import test_ui
from . import test_smtp_end_to_end
from . import test_sms
