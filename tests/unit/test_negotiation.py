"""Content negotiation: which Accept headers get ActivityStreams JSON, which get HTML."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.activitypub.negotiation import (
    ACTIVITY_JSON,
    LD_JSON_AS,
    is_as_content_type,
    parse_accept,
    preferred_as_type,
    wants_activity_json,
)

AS_PROFILE_QUOTED = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
CHROME = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        # Mastodon's fetches (app/helpers/jsonld_helper.rb, older and newer forms)
        ("application/activity+json, application/ld+json", ACTIVITY_JSON),
        (f"application/activity+json, {AS_PROFILE_QUOTED}, text/html;q=0.1", ACTIVITY_JSON),
        # GoToSocial / Fedify style: the ld+json profile form first
        (f"{AS_PROFILE_QUOTED},application/activity+json", ACTIVITY_JSON),
        ("application/ld+json;profile=https://www.w3.org/ns/activitystreams", LD_JSON_AS),
        (AS_PROFILE_QUOTED, LD_JSON_AS),
        ("application/activity+json", ACTIVITY_JSON),
        ("application/activity+json; charset=utf-8", ACTIVITY_JSON),
        ("APPLICATION/Activity+JSON", ACTIVITY_JSON),
        ("application/ld+json", LD_JSON_AS),
        # q-values decide
        ("application/activity+json;q=0.4, application/ld+json;q=0.9", LD_JSON_AS),
        ("text/html;q=0.5, application/activity+json", ACTIVITY_JSON),
        ("text/html, application/activity+json;q=0.9", None),
        ("application/activity+json, text/html", ACTIVITY_JSON),
        # q=0 means "not acceptable"
        ("application/activity+json;q=0", None),
        ("application/activity+json;q=0, */*", None),
        ("application/activity+json;q=0, application/ld+json", LD_JSON_AS),
        # browsers and wildcards
        (FIREFOX, None),
        (CHROME, None),
        ("text/html", None),
        ("*/*", None),
        ("", None),
        (None, None),
        ("application/json", None),
        ("application/*", ACTIVITY_JSON),
        ("text/*;q=0.9, application/activity+json;q=0.5", None),
        # an ld+json profile that is not ActivityStreams is not ours
        ('application/ld+json; profile="https://example.org/other"', None),
        (
            'application/ld+json; profile="https://a.example https://www.w3.org/ns/activitystreams"',
            LD_JSON_AS,
        ),
        # malformed elements are skipped, not fatal
        ("application/activity+json;q=abc", None),
        ("application/activity+json;q=2", None),
        ("garbage, application/activity+json", ACTIVITY_JSON),
        (";;;,,,/", None),
        ('application/ld+json; profile="unterminated, application/activity+json', None),
    ],
)
def test_preferred_as_type(accept: str | None, expected: str | None) -> None:
    assert preferred_as_type(accept) == expected
    assert wants_activity_json(accept) is (expected is not None)


def test_quoted_parameters_may_hold_commas_and_semicolons() -> None:
    ranges = parse_accept('application/ld+json; profile="a,b;c", text/html;q=0.5')
    assert [(r.type, r.subtype, r.params.get("profile"), r.q) for r in ranges] == [
        ("application", "ld+json", "a,b;c", 1.0),
        ("text", "html", None, 0.5),
    ]


def test_a_huge_accept_header_is_bounded() -> None:
    assert len(parse_accept("text/plain, " * 10_000)) == 64


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/activity+json", True),
        ("application/activity+json; charset=utf-8", True),
        (AS_PROFILE_QUOTED, True),
        ("application/ld+json", False),
        ("application/json", False),
        ("text/plain", False),
        ("", False),
        (None, False),
    ],
)
def test_is_as_content_type(content_type: str | None, expected: bool) -> None:
    assert is_as_content_type(content_type) is expected


@given(st.text(max_size=300))
def test_any_accept_header_is_answered(accept: str) -> None:
    assert preferred_as_type(accept) in (None, ACTIVITY_JSON, LD_JSON_AS)
