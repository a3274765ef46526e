"""The per-provider circuit breaker's state machine, on an injected clock."""

from __future__ import annotations

import pytest

from reddytalk.resilience.breaker import CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_opens_only_after_consecutive_failures() -> None:
    breaker = CircuitBreaker(failure_threshold=3, cooldown_s=10, clock=Clock())
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()  # a success in between resets the count
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state == "closed" and breaker.try_acquire()
    breaker.record_failure()
    assert breaker.state == "open"
    assert not breaker.try_acquire()


def test_half_open_lets_exactly_one_trial_through() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=1, cooldown_s=10, clock=clock)
    breaker.record_failure()
    clock.now = 9.9
    assert not breaker.try_acquire()
    clock.now = 10.0
    assert breaker.state == "half_open"
    assert breaker.try_acquire()
    assert not breaker.try_acquire(), "a second caller must not pile onto a recovering provider"
    breaker.record_success()
    assert breaker.state == "closed"
    assert breaker.try_acquire() and breaker.try_acquire()


def test_failed_trial_reopens_for_a_full_cooldown() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=2, cooldown_s=10, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    clock.now = 15
    assert breaker.try_acquire()
    breaker.record_failure()
    assert breaker.state == "open"
    clock.now = 24.9
    assert not breaker.try_acquire()
    clock.now = 25
    assert breaker.try_acquire()


def test_released_trial_can_be_claimed_again() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=1, cooldown_s=1, clock=clock)
    breaker.record_failure()
    clock.now = 2
    assert breaker.try_acquire()
    breaker.release()  # the caller hung up before the provider answered
    assert breaker.try_acquire()


@pytest.mark.parametrize(("threshold", "cooldown"), [(0, 1.0), (1, -1.0)])
def test_rejects_nonsense_configuration(threshold: int, cooldown: float) -> None:
    with pytest.raises(ValueError):
        CircuitBreaker(failure_threshold=threshold, cooldown_s=cooldown)
