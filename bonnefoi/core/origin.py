"""Cross-site request protection without a per-visitor token, for anonymous forms on cached
public pages (ADR 0006): the browser says where a POST comes from.

A cached page cannot carry a CSRF token per reader without issuing a new secret and cookie to
every cookie-less visitor, which was most of the cost of serving the page. An anonymous form
(no session, so no authority a forged request could borrow) is instead protected by the headers
browsers set themselves and pages cannot forge: `Sec-Fetch-Site` (Fetch Metadata) must be
"same-origin" (or "none": typed by the user), else `Origin` must be this site. A request with
neither comes from no browser, or from one too old to send them on a POST: not a cross-site
forgery vector. OWASP's "verifying origin with standard headers" and Fetch Metadata guidance.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.views.decorators.csrf import csrf_exempt

ALLOWED_FETCH_SITES = {"same-origin", "none"}


def is_same_origin(request) -> bool:
    fetch_site = request.META.get("HTTP_SEC_FETCH_SITE")
    if fetch_site is not None:
        return fetch_site in ALLOWED_FETCH_SITES
    origin = request.META.get("HTTP_ORIGIN")
    if origin is None:
        return True
    own = f"{request.scheme}://{request.get_host()}"
    return origin == own or origin in getattr(settings, "CSRF_TRUSTED_ORIGINS", [])


def same_origin_post(refuse):
    """Decorator for an anonymous form view, used instead of Django's CSRF token: a POST that
    the browser marks as coming from another site gets `refuse(request, *args, **kwargs)`
    (a 403 in French); everything else reaches the view."""

    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST" and not is_same_origin(request):
                return refuse(request, *args, **kwargs)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
