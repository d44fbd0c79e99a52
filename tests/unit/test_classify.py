"""Classification of delivery answers and the declared delivery state machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.activitypub.classify import (
    TRANSITIONS,
    DeliveryState,
    Failed,
    Gone,
    IllegalTransition,
    Retry,
    Sent,
    classify,
    parse_retry_after,
    settle,
    transition,
    with_detail,
)
from node.activitypub.retry import MAX_ATTEMPTS, next_attempt

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
S = DeliveryState


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (200, Sent), (201, Sent), (202, Sent), (204, Sent),
        (500, Retry), (502, Retry), (504, Retry), (503, Retry), (429, Retry),
        (401, Retry), (408, Retry),
        (410, Gone),
        (400, Failed), (403, Failed), (404, Failed), (405, Failed), (413, Failed),
        (422, Failed),
        (301, Failed), (302, Failed), (307, Failed), (308, Failed),
    ],
)
def test_status_classes(status: int, expected: type) -> None:
    assert isinstance(classify(status, {}, None, NOW), expected)


@given(status=st.integers(min_value=100, max_value=599))
def test_only_2xx_counts_as_sent(status: int) -> None:
    # Takahē counted 5xx answers as delivered and silently lost those activities.
    assert isinstance(classify(status, {}, None, NOW), Sent) == (200 <= status < 300)


def test_transport_errors_and_timeouts_are_retried() -> None:
    assert classify(None, {}, "ConnectError: connection refused", NOW) == Retry(
        "ConnectError: connection refused"
    )
    assert isinstance(classify(None, {}, None, NOW), Retry)


def test_retry_after_seconds_on_429_and_503() -> None:
    assert classify(429, {"Retry-After": "120"}, None, NOW) == Retry(
        "HTTP 429", timedelta(seconds=120)
    )
    assert classify(503, {"retry-after": " 30 "}, None, NOW) == Retry(
        "HTTP 503", timedelta(seconds=30)
    )


def test_retry_after_http_date_is_relative_to_now() -> None:
    headers = {"Retry-After": "Sat, 21 Nov 2026 13:30:00 GMT"}
    assert classify(503, headers, None, NOW) == Retry("HTTP 503", timedelta(minutes=90))


def test_retry_after_is_ignored_on_other_statuses() -> None:
    assert classify(500, {"Retry-After": "60"}, None, NOW) == Retry("HTTP 500")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("0", timedelta(0)),
        ("garbage", None),
        ("-5", None),
        ("1.5", None),
        ("Fri, 20 Nov 2026 12:00:00 GMT", timedelta(0)),  # in the past: retry now
        ("Sat, 21 Nov 2026 12:00:10 GMT", timedelta(seconds=10)),
    ],
)
def test_parse_retry_after(value: str | None, expected: timedelta | None) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_unknown_status_codes_are_retried_not_lost() -> None:
    assert isinstance(classify(999, {}, None, NOW), Retry)
    assert isinstance(classify(103, {}, None, NOW), Retry)


def test_with_detail_adds_the_response_text_to_failures_only() -> None:
    assert with_detail(Failed("HTTP 400"), "bad actor") == Failed("HTTP 400: bad actor")
    assert with_detail(Retry("HTTP 429", timedelta(1)), "slow") == Retry(
        "HTTP 429: slow", timedelta(1)
    )
    assert with_detail(Sent(), "ok") == Sent()
    assert with_detail(Gone("HTTP 410"), "") == Gone("HTTP 410")


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (S.QUEUED, S.CLAIMED),
        (S.CLAIMED, S.SENT), (S.CLAIMED, S.QUEUED), (S.CLAIMED, S.FAILED),
        (S.CLAIMED, S.GONE), (S.CLAIMED, S.CLAIMED),
    ],
)
def test_legal_transitions(source: S, target: S) -> None:
    assert transition(source, target) is target


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (S.QUEUED, S.SENT),  # never delivered without a claim
        (S.QUEUED, S.QUEUED),
        (S.SENT, S.QUEUED),  # a sent delivery is never sent again
        (S.FAILED, S.CLAIMED),
        (S.GONE, S.QUEUED),
        (S.SENT, S.FAILED),
    ],
)
def test_illegal_transitions_are_refused(source: S, target: S) -> None:
    with pytest.raises(IllegalTransition):
        transition(source, target)


def test_unknown_states_are_refused() -> None:
    with pytest.raises(IllegalTransition):
        transition("queued", "delivered")


def test_final_states_have_no_way_out() -> None:
    assert {s for s, targets in TRANSITIONS.items() if not targets} == {S.SENT, S.FAILED, S.GONE}
    assert set(TRANSITIONS) == set(DeliveryState)


def test_settle_each_outcome() -> None:
    sent = settle(Sent(), status=202, attempts=1, now=NOW, rand=0.5)
    assert (sent.state, sent.finished_at, sent.last_error) == (S.SENT, NOW, None)
    retry = settle(Retry("HTTP 500"), status=500, attempts=3, now=NOW, rand=0.5)
    assert retry.state is S.QUEUED and retry.finished_at is None
    assert retry.due_at == next_attempt(3, NOW, 0.5, None)
    gone = settle(Gone("HTTP 410"), status=410, attempts=1, now=NOW, rand=0.5)
    assert (gone.state, gone.last_status) == (S.GONE, 410)
    failed = settle(Failed("HTTP 400"), status=400, attempts=1, now=NOW, rand=0.5)
    assert (failed.state, failed.last_error, failed.due_at) == (S.FAILED, "HTTP 400", None)


def test_settle_gives_up_when_the_schedule_is_exhausted() -> None:
    done = settle(Retry("HTTP 502"), status=502, attempts=MAX_ATTEMPTS, now=NOW, rand=0.1)
    assert done.state is S.FAILED
    assert done.finished_at == NOW
    assert done.last_error == f"gave up after {MAX_ATTEMPTS} attempts: HTTP 502"
