"""Base settings: production-safe defaults, everything else read from the environment.

`dev.py` and `test.py` relax what a developer or a test run needs; production runs on this file
(`DJANGO_SETTINGS_MODULE=config.settings.base`) with the variables listed in docs/operations.md.
"""

from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

from config.settings.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("BONNEFOI_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("SECRET_KEY")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "bonnefoi.core.admin_site.BonneFoiAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "dsfr",
    "rest_framework",
    "drf_spectacular",
    "django_tasks_db",
    "bonnefoi.core",
    "bonnefoi.accounts",
    "bonnefoi.structures",
    "bonnefoi.right_to_error",
    "bonnefoi.advice",
    "bonnefoi.reception",
    "bonnefoi.training",
    "bonnefoi.incidents",
    "bonnefoi.cases",
    "bonnefoi.observatory",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "bonnefoi.core.middleware.CspNonceAliasMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "bonnefoi" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bonnefoi.core.context_processors.site",
            ],
        },
    },
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'bonnefoi.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the task worker write while the web process reads.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "structures:backoffice_home"
LOGOUT_REDIRECT_URL = "core:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr-fr"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "bonnefoi" / "static"]  # project-wide files (advice widget, ...)
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Security baseline (architecture.md §5) ---------------------------------------------------
CSRF_FAILURE_VIEW = "bonnefoi.core.views.csrf_failure"  # French DSFR page, not Django's English one
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
# The advice widget (/conseils/widget/) is the one page other sites may frame: its own CSP sets
# `frame-ancestors` to this list: "*" (any site) or comma-separated origins, for instance
# "https://www.caf.fr,https://*.gouv.fr".
WIDGET_FRAME_ANCESTORS = env_list("WIDGET_FRAME_ANCESTORS", ["*"])
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600  # one working day
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True

# --- E-mail ---------------------------------------------------------------------------------
MAILERS = {
    "default": {
        "BACKEND": env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"),
        "OPTIONS": {},
    }
}
if MAILERS["default"]["BACKEND"].endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25),
        "username": env_str("EMAIL_HOST_USER", ""),
        "password": env_str("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "timeout": 10,
    }
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Bonne foi <ne-pas-repondre@bonnefoi.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Background work ------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "bonnefoi.core.api.exception_handler",
    # Throttles identify a caller by REMOTE_ADDR, like the feedback form: a client's own
    # X-Forwarded-For is not trusted. Behind N reverse proxies that append it, set NUM_PROXIES=N.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API Bonne foi",
    "DESCRIPTION": "Droit à l'erreur, conseils contre les erreurs fréquentes, accueil bienveillant.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# --- Bonne foi ------------------------------------------------------------------------------
BONNEFOI_SITE_TITLE = "Bonne foi"
BONNEFOI_SITE_TAGLINE = "Accueil bienveillant et droit à l'erreur dans les services publics"
BONNEFOI_CONTACT_EMAIL = env_str("BONNEFOI_CONTACT_EMAIL", "contact@bonnefoi.localhost")
BONNEFOI_OPERATOR_NAME = env_str("BONNEFOI_OPERATOR_NAME", "l'équipe Bonne foi")
BONNEFOI_PUBLICATION_DIRECTOR = env_str(
    "BONNEFOI_PUBLICATION_DIRECTOR", "le directeur de l'entité qui exploite cette instance"
)
BONNEFOI_HOST = env_str(
    "BONNEFOI_HOST", "l'hébergeur de l'entité qui exploite cette instance (à configurer)"
)
BONNEFOI_DPO_EMAIL = env_str("BONNEFOI_DPO_EMAIL", "dpo@bonnefoi.localhost")
AUDIT_LOG_RETENTION_DAYS = env_int("AUDIT_LOG_RETENTION_DAYS", 365)
# Searches without results (cleaned queries, no personal data) kept for the observatory.
ADVICE_SEARCH_LOG_RETENTION_DAYS = env_int("ADVICE_SEARCH_LOG_RETENTION_DAYS", 400)
# Premises audits (bonnefoi/reception, ADR 0007): photos outside the web root.
RECEPTION_PHOTO_ROOT = Path(
    env_str("RECEPTION_PHOTO_ROOT", str(VAR_DIR / "private" / "reception-photos"))
)
# Training attestations (bonnefoi/training, ADR 0009): outside the web root, random names.
TRAINING_EVIDENCE_ROOT = Path(
    env_str("TRAINING_EVIDENCE_ROOT", str(VAR_DIR / "private" / "training-evidence"))
)

# Incivility reports (bonnefoi/incidents, ADR 0008): smallest count published in statistics,
# and how long a closed report is kept.
INCIDENTS_MIN_CELL_SIZE = env_int("INCIDENTS_MIN_CELL_SIZE", 5)
INCIDENTS_RETENTION_DAYS = env_int("INCIDENTS_RETENTION_DAYS", 6 * 365)

# Correction channel (bonnefoi.cases). Documents and letters live outside the web root.
CASE_FILES_ROOT = Path(env_str("CASE_FILES_ROOT", str(VAR_DIR / "case_files")))
CASE_ATTACHMENT_MAX_BYTES = env_int("CASE_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
CASE_ATTACHMENTS_MAX_COUNT = env_int("CASE_ATTACHMENTS_MAX_COUNT", 10)
DATA_UPLOAD_MAX_NUMBER_FILES = 20  # files in one request (Django's default: 100)
# Key of the HMAC of file identifiers (allocataire, fiscal, NIR, SIRET numbers) compared across
# cases for "first time?". Its own secret: rotating SECRET_KEY must not break the comparison.
CASE_IDENTIFIER_KEY = env_str("CASE_IDENTIFIER_KEY")
CASE_RETENTION_DAYS = env_int("CASE_RETENTION_DAYS", 730)  # after closure
CASE_INVITATION_DEFAULT_RULE = env_str("CASE_INVITATION_DEFAULT_RULE", "P30D")
CASE_DRAFT_RETENTION_DAYS = env_int("CASE_DRAFT_RETENTION_DAYS", 30)
CASE_TARGET_DAYS = env_int("CASE_TARGET_DAYS", 30)  # an open case older than this is overdue
CASE_WEBHOOK_TIMEOUT_SECONDS = env_int("CASE_WEBHOOK_TIMEOUT_SECONDS", 10)
# Plain HTTP to the loopback and internal addresses for webhooks: development and tests only.
CASE_WEBHOOK_ALLOW_PRIVATE = env_bool("CASE_WEBHOOK_ALLOW_PRIVATE", False)
CASE_API_THROTTLE_RATE = env_str("CASE_API_THROTTLE_RATE", "20/hour")  # public submissions

# Public pages, widget and API served from the cache to anonymous readers (bonnefoi.core.page_cache):
# how long a stored response may live; a change to the data is seen at once by the process that
# made it and, with the default per-process cache, by the others within this delay. 0: off.
PUBLIC_CACHE_SECONDS = env_int("PUBLIC_CACHE_SECONDS", 300)
# Per-process memory cache (throttles, public responses). Django's default keeps 300 entries and
# drops a third when full: fewer than the catalogue's pages, so it would forget them in turn.
# About 40 kB per stored page: 3,000 entries stay under 120 MB per process.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 3000)},
    }
}

# Observatory (bonnefoi/observatory, ADR 0011): smallest count published (public indicators and
# open data), and the weeks compared before and after an action to measure its impact.
OBSERVATORY_MIN_CELL_SIZE = env_int("OBSERVATORY_MIN_CELL_SIZE", 10)
OBSERVATORY_IMPACT_WEEKS = env_int("OBSERVATORY_IMPACT_WEEKS", 8)
