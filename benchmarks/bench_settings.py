"""Settings for benchmarks/advice.py and cases.py under gunicorn: the test settings (DEBUG off, production
middleware minus WhiteNoise, same DATABASE_URL handling and connection settings as production),
served on loopback with a benchmark-only URL (/bench/trivial/) and the advice API's per-IP
throttle raised so that one load generator is not answered 429. Never used by the application."""

from config.settings.test import *  # noqa: F403

ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "benchmarks.bench_urls"
# One client address sends everything: 300/minute would cut the run short. The throttle still
# runs (a fixed-window counter: one cache add and incr per request, as in production).
ADVICE_API_THROTTLE_RATE = "1000000/second"
CASE_API_THROTTLE_RATE = "1000000/minute"
# Background tasks go to the database queue as in production (the test settings run them at
# once): a submission pays for queueing its receipt e-mail, not for sending it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
