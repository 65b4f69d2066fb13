from . import test_abandoned_cart
