"""The pure backoff policy: monotone, capped, spanning about three days, Retry-After bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.activitypub.retry import (
    BREAKER_FIRST_OPEN,
    BREAKER_MAX_OPEN,
    MAX_ATTEMPTS,
    MAX_DELAY,
    RETRY_AFTER_CAP,
    backoff_delay,
    breaker_open_for,
    next_attempt,
    total_span,
)

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
attempts = st.integers(min_value=1, max_value=MAX_ATTEMPTS - 1)
rands = st.floats(min_value=0.0, max_value=1.0, exclude_max=True)


@given(attempt=attempts, rand=rands)
def test_backoff_is_monotone_in_attempt_for_a_fixed_rand(attempt: int, rand: float) -> None:
    assert backoff_delay(attempt + 1, rand=rand) >= backoff_delay(attempt, rand=rand)


@given(attempt=st.integers(min_value=1, max_value=10_000), rand=rands)
def test_backoff_is_positive_and_capped(attempt: int, rand: float) -> None:
    delay = backoff_delay(attempt, rand=rand)
    assert timedelta(seconds=15) < delay <= MAX_DELAY


@given(rand=rands)
def test_whole_schedule_spans_between_two_and_a_half_and_four_days(rand: float) -> None:
    assert timedelta(days=2.5) <= total_span(rand) <= timedelta(days=4)


@given(rand=rands)
def test_chained_next_attempts_give_up_after_max_attempts(rand: float) -> None:
    # Given a delivery failing every time, when each retry runs exactly when scheduled,
    # then there are MAX_ATTEMPTS tries and the last is within the 2.5-4 day window.
    when, tries = NOW, 1
    while (due := next_attempt(tries, when, rand, None)) is not None:
        when, tries = due, tries + 1
    assert tries == MAX_ATTEMPTS
    assert timedelta(days=2.5) <= when - NOW <= timedelta(days=4)


def test_schedule_starts_fast_and_follows_count_to_the_fourth() -> None:
    assert backoff_delay(1, rand=0.0) == timedelta(seconds=16)
    assert backoff_delay(2, rand=0.0) == timedelta(seconds=31)
    assert backoff_delay(10, rand=0.0) == timedelta(seconds=10_015)
    assert backoff_delay(1, rand=0.999) > backoff_delay(1, rand=0.0)  # jitter spreads retries


def test_next_attempt_gives_up_only_at_max_attempts() -> None:
    assert next_attempt(MAX_ATTEMPTS - 1, NOW, 0.5, None) is not None
    assert next_attempt(MAX_ATTEMPTS, NOW, 0.5, None) is None
    assert next_attempt(MAX_ATTEMPTS + 3, NOW, 0.5, timedelta(seconds=5)) is None


def test_retry_after_longer_than_backoff_is_honoured() -> None:
    assert next_attempt(1, NOW, 0.5, timedelta(hours=2)) == NOW + timedelta(hours=2)


def test_retry_after_is_capped_at_one_day() -> None:
    assert next_attempt(1, NOW, 0.5, timedelta(days=365)) == NOW + RETRY_AFTER_CAP


@given(attempt=attempts, rand=rands, seconds=st.integers(min_value=0, max_value=10**7))
def test_retry_after_is_never_sooner_than_the_minimum_backoff(
    attempt: int, rand: float, seconds: int
) -> None:
    # Retry-After: 0 from a struggling server must not become a tight retry loop.
    due = next_attempt(attempt, NOW, rand, timedelta(seconds=seconds))
    assert due is not None
    assert due - NOW >= backoff_delay(attempt, rand=0.0)
    assert due - NOW <= max(RETRY_AFTER_CAP, backoff_delay(attempt, rand=0.0))


@pytest.mark.parametrize(("attempt", "rand"), [(0, 0.5), (-1, 0.5), (1, 1.0), (1, -0.1)])
def test_invalid_arguments_are_refused(attempt: int, rand: float) -> None:
    with pytest.raises(ValueError):
        backoff_delay(attempt, rand=rand)


def test_breaker_window_doubles_from_one_minute_up_to_a_day() -> None:
    assert breaker_open_for(None) == BREAKER_FIRST_OPEN == timedelta(minutes=1)
    assert breaker_open_for(timedelta(minutes=1)) == timedelta(minutes=2)
    assert breaker_open_for(timedelta(seconds=1)) == BREAKER_FIRST_OPEN
    assert breaker_open_for(timedelta(hours=20)) == BREAKER_MAX_OPEN == timedelta(days=1)
    assert breaker_open_for(BREAKER_MAX_OPEN) == BREAKER_MAX_OPEN
