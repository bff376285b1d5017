"""Rate-limit counters shared by the throttles and the public forms."""

from bonnefoi.core.ratelimit import count, counter_key, hit


def test_counts_per_key_and_hides_what_is_counted():
    """Hits add up per key, keys of different purposes or values never collide, and the key
    does not contain the counted value (an address is never stored)."""
    key = counter_key("test", "192.0.2.1", 7)
    assert "192.0.2.1" not in key
    assert [hit(key, 60) for _ in range(3)] == [1, 2, 3]
    assert count(key) == 3
    assert count(counter_key("test", "192.0.2.2", 7)) == 0
    assert counter_key("other", "192.0.2.1", 7) != key


def test_an_expired_window_starts_again(settings):
    """Once the window's counter is gone, the next hit starts a new window at 1."""
    from django.core.cache import cache

    key = counter_key("test", "window")
    hit(key, 60)
    cache.delete(key)
    assert hit(key, 60) == 1
