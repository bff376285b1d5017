"""Walk every URL pattern of the project (used by the whole-project invariant tests)."""

from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver


def iter_routes() -> Iterator[tuple[str, str, URLPattern]]:
    """(route, "namespace:name" or name, pattern) for every URL pattern, includes flattened."""

    def walk(resolver: URLResolver, prefix: str, namespace: str):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry, prefix + str(entry.pattern), entry.namespace or namespace)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                yield prefix + str(entry.pattern), name, entry

    yield from walk(get_resolver(), "", "")


def is_public(pattern: URLPattern) -> bool:
    """True when the view opted out of LoginRequiredMiddleware."""
    return not getattr(pattern.callback, "login_required", True)
