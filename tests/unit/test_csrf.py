"""CSRF tokens: the signed login-form token and the session synchronizer comparison."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.accounts.csrf import (
    ANONYMOUS_TOKEN_MAX_AGE,
    check_token,
    make_token,
    new_secret,
    session_token_matches,
)

SECRET = "node-secret"
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
BROWSER = "pre-session-cookie-of-browser-a"


def test_token_checks_for_its_own_browser() -> None:
    token = make_token(SECRET, BROWSER, NOW)
    assert check_token(SECRET, BROWSER, token, NOW)
    assert check_token(SECRET, BROWSER, token, NOW + timedelta(seconds=ANONYMOUS_TOKEN_MAX_AGE))


def test_token_of_another_session_is_refused() -> None:
    token = make_token(SECRET, BROWSER, NOW)
    assert not check_token(SECRET, "pre-session-cookie-of-browser-b", token, NOW)


def test_token_signed_with_another_key_is_refused() -> None:
    assert not check_token(SECRET, BROWSER, make_token("other-node", BROWSER, NOW), NOW)


def test_expired_token_is_refused() -> None:
    token = make_token(SECRET, BROWSER, NOW)
    later = NOW + timedelta(seconds=ANONYMOUS_TOKEN_MAX_AGE + 1)
    assert not check_token(SECRET, BROWSER, token, later)


def test_token_from_the_future_is_refused() -> None:
    token = make_token(SECRET, BROWSER, NOW + timedelta(minutes=10))
    assert not check_token(SECRET, BROWSER, token, NOW)


def test_moving_the_timestamp_breaks_the_signature() -> None:
    issued, _, signature = make_token(SECRET, BROWSER, NOW).partition(".")
    forged = f"{int(issued) + 3600}.{signature}"
    assert not check_token(SECRET, BROWSER, forged, NOW + timedelta(hours=1))


@given(position=st.integers(min_value=0, max_value=200), char=st.sampled_from("0a9f.-_Z"))
def test_any_single_character_tampering_fails(position: int, char: str) -> None:
    token = make_token(SECRET, BROWSER, NOW)
    index = position % len(token)
    tampered = token[:index] + char + token[index + 1 :]
    if tampered != token:
        assert not check_token(SECRET, BROWSER, tampered, NOW)


@pytest.mark.parametrize("token", ["", ".", "abc", "123", "123.", ".abc", "9" * 40 + ".x"])
def test_malformed_tokens_are_refused(token: str) -> None:
    assert not check_token(SECRET, BROWSER, token, NOW)


def test_missing_pre_session_cookie_is_refused() -> None:
    token = make_token(SECRET, "", NOW)
    assert not check_token(SECRET, "", token, NOW)


def test_session_synchronizer_token() -> None:
    expected = new_secret()
    assert session_token_matches(expected, expected)
    assert not session_token_matches(expected, new_secret())
    assert not session_token_matches(expected, None)
    assert not session_token_matches(expected, "")
    assert not session_token_matches("", "")


def test_new_secrets_are_random_and_long() -> None:
    values = {new_secret() for _ in range(50)}
    assert len(values) == 50
    assert all(len(v) >= 43 for v in values)


def test_a_token_whose_time_is_other_digits_is_refused_not_raised() -> None:
    """``"²".isdigit()`` is true and ``int("²")`` raises: a forged token made a 500."""
    signature = make_token(SECRET, BROWSER, NOW).partition(".")[2]
    assert not check_token(SECRET, BROWSER, f"\u00b2.{signature}", NOW)
