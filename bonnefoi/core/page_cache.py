"""Server-side cache of public responses: the same bytes for every anonymous reader.

Public pages and public JSON are read far more often than the catalogue changes. A cached
response is keyed by a *generation* of its namespace (e.g. "advice"), the day (pages that say
"past its review date" change at midnight), the scheme, host and full path with its query
string. Any write to the data behind a namespace calls `invalidate(namespace)`, which gives the
namespace a new generation: every older key is simply never read again and expires.

What is per reader is never cached as such:

- the CSP nonce of the request is replaced by a marker before storing, and the marker by the new
  request's nonce when serving;
- the CSRF token of a form is replaced the same way (`get_token()` when serving, which also makes
  the CSRF middleware set its cookie as on a normal render);
- readers with a session or a pending message (agents logged in, a message after a form) are
  never served from the cache nor stored in it: their header and messages are theirs.

Staleness bound: with a cache shared by all web processes (CACHES pointing to Redis or the
database), a change is seen on the next request. With the default per-process memory cache,
the process that made the change sees it at once and the others within
`PUBLIC_CACHE_SECONDS` (300 s by default, the `max-age` the public API already announces).
`PUBLIC_CACHE_SECONDS = 0` switches the cache off. docs/adr/0006-cache-des-pages-publiques.md.
"""

from __future__ import annotations

import hashlib
import re
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone

NONCE_MARK = b"\xee\x80\x90csp-nonce\xee\x80\x91"  # private use characters, UTF-8
CSRF_MARK = b"\xee\x80\x90csrf-token\xee\x80\x91"
_CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")([^"]+)(")')
_SKIPPED_HEADERS = {"set-cookie", "content-length"}


def cache_seconds() -> int:
    return int(getattr(settings, "PUBLIC_CACHE_SECONDS", 300))


def _generation_key(namespace: str) -> str:
    return f"public-cache:{namespace}:generation"


def generation(namespace: str) -> int:
    """The namespace's current generation (0 until the first change this cache has seen)."""
    return cache.get(_generation_key(namespace), 0)


def invalidate(namespace: str) -> None:
    """Forget every cached response of `namespace`: now (so that this process never serves
    the old bytes again, even inside the transaction making the change) and once the
    transaction commits (so that a reader caching the old rows in between is forgotten too)."""

    def bump():
        cache.set(_generation_key(namespace), time.time_ns(), None)

    bump()
    transaction.on_commit(bump)


def _reader_is_anonymous(request) -> bool:
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def response_key(namespace: str, request, variant: str = "") -> str:
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = hashlib.sha256(f"{variant}|{address}".encode()).hexdigest()
    day = timezone.localdate().isoformat()
    return f"public-cache:{namespace}:{generation(namespace)}:{day}:{digest}"


def _freeze(request, response) -> dict:
    """The response as stored: body with the reader's nonce and CSRF token as markers."""
    body = response.content
    nonce = getattr(request, "csp_nonce", "")
    if nonce:
        body = body.replace(nonce.encode(), NONCE_MARK)
    body = _CSRF_INPUT.sub(lambda m: m.group(1) + CSRF_MARK + m.group(3), body)
    headers = [
        (name, value) for name, value in response.items() if name.lower() not in _SKIPPED_HEADERS
    ]
    return {"status": response.status_code, "headers": headers, "body": body}


def _thaw(request, frozen: dict) -> HttpResponse:
    body = frozen["body"]
    if NONCE_MARK in body:
        body = body.replace(NONCE_MARK, request.csp_nonce.encode())
    if CSRF_MARK in body:
        body = body.replace(CSRF_MARK, get_token(request).encode())
    response = HttpResponse(body, status=frozen["status"])
    for name, value in frozen["headers"]:
        response[name] = value
    return response


def cache_public_page(namespace: str):
    """Decorator for a public view (GET/HEAD): serve anonymous readers the stored response of
    the same address; store 200 responses. Put it closest to the function, under the
    decorators that set headers or policies, so that these apply to stored responses too."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            seconds = cache_seconds()
            if (
                seconds <= 0
                or request.method not in ("GET", "HEAD")
                or not _reader_is_anonymous(request)
            ):
                return view(request, *args, **kwargs)
            key = response_key(namespace, request)
            frozen = cache.get(key)
            if frozen is not None:
                return _thaw(request, frozen)
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming:
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
                cache.set(key, _freeze(request, response), seconds)
            return response

        return wrapper

    return decorator


def cache_public_json(namespace: str):
    """Decorator for the `get` method of a public Django REST framework view: JSON answers of
    the same address come from the cache. Runs after the view's authentication, throttling and
    content negotiation (so the throttle still counts every call); only 200 answers are stored;
    other formats (the browsable API) are never cached."""

    def decorator(method):
        @wraps(method)
        def wrapper(self, request, *args, **kwargs):
            seconds = cache_seconds()
            renderer = request.accepted_renderer
            if seconds <= 0 or renderer.format != "json":
                return method(self, request, *args, **kwargs)
            key = response_key(namespace, request._request, "json")
            body = cache.get(key)
            if body is None:
                response = method(self, request, *args, **kwargs)
                if response.status_code != 200:
                    return response
                context = self.get_renderer_context()
                context["response"] = response
                body = renderer.render(response.data, request.accepted_media_type, context)
                cache.set(key, body, seconds)
            return HttpResponse(body, content_type=renderer.media_type)

        return wrapper

    return decorator
