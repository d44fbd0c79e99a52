"""The Flag a report becomes, and reading one (node/newswire/reports/rules.py): Mastodon's
shape, the reporter never named unless they agreed, only our own objects kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from node.newswire.errors import NewsError
from node.newswire.reports.rules import (
    MAX_COMMENT,
    MAX_FLAG_OBJECTS,
    Reporter,
    build_flag,
    check_comment,
    parse_flag,
    plain_text,
    reason_key,
)

NODE = "https://philly.example"
ANA = "https://mastodon.example/users/ana"
STATUS = f"{ANA}/statuses/1"
FIXTURE = Path(__file__).parents[1] / "fixtures/remote/mastodon.example/flag.json"


def test_an_anonymous_flag_has_mastodons_shape_and_no_reporter() -> None:
    flag = build_flag(flag_id=f"{NODE}/activities/1", actor_uri=f"{NODE}/actor",
                      account_uri=ANA, object_uris=[STATUS, STATUS], comment="Spam bot",
                      reason="spam")
    assert flag["type"] == "Flag" and flag["actor"] == f"{NODE}/actor"
    assert flag["object"] == [ANA, STATUS]  # the account first, each object once
    assert flag["content"] == "Reason: spam\n\nSpam bot"
    assert flag["summary"] == "spam"  # the category word, where Mastodon #24968 puts it
    assert "tag" not in flag and "https://www.w3.org/ns/activitystreams" in flag["@context"]


def test_a_reporter_who_agreed_is_named_and_mentioned() -> None:
    nate = Reporter(f"{NODE}/users/nate", "@nate@philly.example")
    flag = build_flag(flag_id="x", actor_uri=f"{NODE}/actor", account_uri=ANA,
                      object_uris=[], comment="", reason="other", reporter=nate)
    assert flag["content"] == f"Reason: other\n\nReported by @nate@philly.example ({nate.uri})"
    assert flag["tag"] == [{"type": "Mention", "href": nate.uri, "name": nate.handle}]


def test_reading_a_mastodon_flag_keeps_only_our_things() -> None:
    status = f"{NODE}/objects/abc"
    flag = json.loads(FIXTURE.read_text().replace("{actor}", "https://mastodon.example/actor")
                      .replace("{status}", status))
    parsed = parse_flag(flag, is_local=lambda uri: uri.startswith(NODE + "/"),
                        is_actor=lambda uri: "/users/" in uri)
    assert parsed.account_uris == (f"{NODE}/users/nate",)
    assert parsed.object_uris == (status,)
    assert parsed.comment == "Boo!! doxxing & threats"
    assert parsed.actor == "https://mastodon.example/actor" and parsed.id == flag["id"]


def test_a_flag_naming_many_objects_is_capped() -> None:
    many = [f"{NODE}/objects/{n}" for n in range(100)]
    parsed = parse_flag({"type": "Flag", "actor": ANA, "object": many},
                        is_local=lambda uri: True, is_actor=lambda uri: False)
    assert len(parsed.object_uris) == MAX_FLAG_OBJECTS


def test_remote_comments_become_capped_plain_text() -> None:
    assert plain_text("<p>a</p><p>b<script>x</script></p>") == "a\n\nb"
    assert plain_text(None) == ""
    assert len(plain_text("y" * 10_000)) == 5000


@pytest.mark.parametrize("value", ["", "because", "conduct:", " spam-ish"])
def test_a_reason_must_be_one_offered(value: str) -> None:
    with pytest.raises(NewsError):
        reason_key(value)


def test_reasons_and_comments() -> None:
    assert [reason_key(v) for v in ("spam", "illegal", "other", "conduct:2")] == [
        "spam", "illegal", "other", "conduct:2"]
    assert check_comment(" a\r\nb ") == "a\nb"
    with pytest.raises(NewsError):
        check_comment("x" * (MAX_COMMENT + 1))
    with pytest.raises(NewsError):
        check_comment("", honeypot="filled")


@pytest.mark.parametrize(("reason", "word"), [
    ("spam", "spam"), ("illegal", "legal"), ("other", "other"),
    ("Code of Conduct v1, 2. No harassment, no doxxing.", "violation")])
def test_our_flag_names_its_category_in_mastodons_words(reason: str, word: str) -> None:
    flag = build_flag(flag_id="x", actor_uri=f"{NODE}/actor", account_uri=ANA,
                      object_uris=[], comment="", reason=reason)
    assert flag["summary"] == word and flag["content"].startswith(f"Reason: {reason}")


def _read(flag: dict[str, object]) -> tuple[str, str]:
    parsed = parse_flag({"type": "Flag", "actor": ANA, "object": [f"{NODE}/users/nate"],
                         **flag}, is_local=lambda uri: uri.startswith(NODE),
                        is_actor=lambda uri: True)
    return parsed.category, parsed.comment


def test_an_incoming_flag_keeps_its_category_and_comment() -> None:
    assert _read({"summary": "Violation", "content": "Rule 2: no doxxing"}) == (
        "violation", "Rule 2: no doxxing")
    assert _read({"summary": "legal", "content": "<p>A court order</p>"}) == (
        "illegal", "A court order")
    assert _read({"summary": "spam"}) == ("spam", "")


def test_a_flag_without_a_category_says_so_and_lemmys_reason_is_its_comment() -> None:
    flag = json.loads(FIXTURE.read_text().replace("{actor}", ANA).replace("{status}", STATUS))
    assert _read(flag) == ("unspecified", "Boo!! doxxing & threats")  # Mastodon's shape
    assert _read({"summary": "Posts my address"}) == ("unspecified", "Posts my address")
    assert _read({"summary": "Posts my address", "content": "x"}) == ("unspecified", "x")
