"""The fault test's server: test settings served on loopback, with a submission limit that one
load generator cannot reach (the throttle still counts every request)."""

from config.settings.test import *  # noqa: F403

ALLOWED_HOSTS = ["127.0.0.1"]
CASE_API_THROTTLE_RATE = "1000000/minute"
