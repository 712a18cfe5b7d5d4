"""The rate limiter on a fake clock: windows roll, refusals count, headers add up."""

from __future__ import annotations

from integrations.sandbox.hubspot.ratelimit import RateLimiter, RateLimitSettings


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_ten_second_window_rolls():
    clock = FakeClock()
    limiter = RateLimiter(RateLimitSettings(ten_second_limit=2), clock=clock)
    assert limiter.hit(search=False).refused_policy is None
    clock.now += 4
    assert limiter.hit(search=False).refused_policy is None
    refused = limiter.hit(search=False)
    assert refused.refused_policy == "TEN_SECONDLY_ROLLING" and refused.retry_after == 6
    clock.now += 6
    # the first call has left the window, but the refused one still counts
    assert limiter.hit(search=False).refused_policy == "TEN_SECONDLY_ROLLING"
    clock.now += 10
    assert limiter.hit(search=False).refused_policy is None


def test_search_window_is_one_second_and_only_for_search():
    clock = FakeClock()
    limiter = RateLimiter(RateLimitSettings(search_per_second=1), clock=clock)
    assert limiter.hit(search=True).refused_policy is None
    assert limiter.hit(search=False).refused_policy is None
    second = limiter.hit(search=True)
    assert second.refused_policy == "SECONDLY" and second.retry_after == 1
    assert second.headers["X-HubSpot-RateLimit-Secondly-Remaining"] == "0"
    clock.now += 1
    assert limiter.hit(search=True).refused_policy is None


def test_zero_limit_refuses_everything():
    limiter = RateLimiter(RateLimitSettings(ten_second_limit=0), clock=FakeClock())
    verdict = limiter.hit(search=False)
    assert verdict.refused_policy == "TEN_SECONDLY_ROLLING" and verdict.retry_after == 10
    assert verdict.headers["X-HubSpot-RateLimit-Remaining"] == "0"
