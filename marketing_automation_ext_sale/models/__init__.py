from . import marketing_dashboard
