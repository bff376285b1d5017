"""Per-address limits of the public APIs (bonnefoi.core.api.FixedWindowAnonThrottle)."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from bonnefoi.advice.api import AdviceThrottle
from bonnefoi.core.api import FixedWindowAnonThrottle
from bonnefoi.right_to_error.api import RightToErrorThrottle

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


def throttle_at(clock, rate="3/minute"):
    throttle = AdviceThrottle()
    throttle.rate = rate
    throttle.num_requests, throttle.duration = throttle.parse_rate(rate)
    throttle.timer = clock
    return throttle


def request_from(address: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": address}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return Request(APIRequestFactory().get("/", **extra))


def test_limit_per_window_then_reset():
    """Three calls pass in a one-minute window, the fourth waits for the next window (and is
    told how long), and the next window starts from zero."""
    clock = Clock(600.0)  # start of a window
    allowed = [throttle_at(clock).allow_request(request_from("192.0.2.1"), None) for _ in range(3)]
    assert allowed == [True, True, True]
    clock.now = 630.0
    fourth = throttle_at(clock)
    assert not fourth.allow_request(request_from("192.0.2.1"), None)
    assert fourth.wait() == pytest.approx(30.0)
    clock.now = 660.0
    assert throttle_at(clock).allow_request(request_from("192.0.2.1"), None)


def test_addresses_are_counted_apart():
    """One caller reaching the limit does not block another address."""
    clock = Clock(600.0)
    for _ in range(3):
        throttle_at(clock).allow_request(request_from("192.0.2.1"), None)
    assert not throttle_at(clock).allow_request(request_from("192.0.2.1"), None)
    assert throttle_at(clock).allow_request(request_from("192.0.2.2"), None)


def test_a_forged_forwarded_header_does_not_escape_the_limit():
    """X-Forwarded-For sent by the client is ignored (NUM_PROXIES = 0): changing it on each
    call does not reset the count of the real address."""
    clock = Clock(600.0)
    for n in range(3):
        assert throttle_at(clock).allow_request(request_from("192.0.2.1", f"10.0.0.{n}"), None)
    assert not throttle_at(clock).allow_request(request_from("192.0.2.1", "10.0.0.99"), None)


def test_public_apis_answer_429_in_french_with_retry_after(settings):
    """Over the limit, the advice API answers 429 with a French message and Retry-After."""
    settings.ADVICE_API_THROTTLE_RATE = "2/minute"
    client = Client()
    url = reverse("advice-life-event-list")
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    response = client.get(url)
    assert response.status_code == 429
    assert "Trop de requêtes" in response.json()["detail"]
    assert 1 <= int(response["Retry-After"]) <= 60


def test_both_public_apis_use_the_fixed_window_throttle():
    """The right-to-error API is limited the same way as the advice API."""
    assert issubclass(RightToErrorThrottle, FixedWindowAnonThrottle)
    assert issubclass(AdviceThrottle, FixedWindowAnonThrottle)
