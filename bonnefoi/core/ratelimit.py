"""Counters for rate limits, kept in the default cache: one counter per key and window,
created by the first hit and expiring with its window. Keys are keyed hashes (HMAC with
SECRET_KEY, salted by purpose) of what is counted, so no address is ever stored.

Used by the public API throttles (bonnefoi.core.api), the advice feedback form and the
correction channel's public pages (lost link, uploads)."""

from django.core.cache import cache
from django.utils.crypto import salted_hmac


def counter_key(purpose: str, *parts: object) -> str:
    digest = salted_hmac(
        f"bonnefoi.ratelimit.{purpose}", "|".join(map(str, parts)), algorithm="sha256"
    )
    return f"ratelimit:{purpose}:{digest.hexdigest()}"


def hit(key: str, window: int) -> int:
    """Count one event under `key`; returns the count in the current window."""
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=window)
        return 1


def count(key: str) -> int:
    """The events counted so far under `key` in its window (0 when none)."""
    return cache.get(key, 0)
