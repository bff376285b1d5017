"""Template context shared by every page, computed without any database query."""

from types import SimpleNamespace

from django.conf import settings

# django-dsfr's own context processor reads a DsfrConfig row on every request; our site
# configuration is static, so it lives in settings and costs nothing per request.
_SITE_CONFIG = SimpleNamespace(
    site_title=settings.BONNEFOI_SITE_TITLE,
    site_tagline=settings.BONNEFOI_SITE_TAGLINE,
    header_brand_html="République<br>Française",
    footer_brand_html="République<br>Française",
    mourning=False,
    notice_title="",
    notice_description="",
    beta_tag=True,
)


def site(request):
    return {
        "SITE_CONFIG": _SITE_CONFIG,
        "contact_email": settings.BONNEFOI_CONTACT_EMAIL,
        "operator_name": settings.BONNEFOI_OPERATOR_NAME,
        "publication_director": settings.BONNEFOI_PUBLICATION_DIRECTOR,
        "host_name": settings.BONNEFOI_HOST,
        "dpo_email": settings.BONNEFOI_DPO_EMAIL,
        "audit_log_retention_days": settings.AUDIT_LOG_RETENTION_DAYS,
    }
