"""The platform's own address, for links written outside a request (e-mails, open data)."""

from django.conf import settings

LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "testserver"}


def site_base_url() -> str | None:
    """BONNEFOI_BASE_URL when set, else the first real host of ALLOWED_HOSTS (https)."""
    configured = getattr(settings, "BONNEFOI_BASE_URL", "")
    if configured:
        return configured.rstrip("/")
    for host in settings.ALLOWED_HOSTS:
        if host and host != "*" and not host.startswith("."):
            return f"{'http' if host in LOCAL_HOSTS else 'https'}://{host}"
    return None


def absolute(path: str) -> str:
    base = site_base_url()
    return f"{base}{path}" if base else path
