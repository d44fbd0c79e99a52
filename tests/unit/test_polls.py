"""Straw poll documents, the rules a poll must meet, the keypad preset and tally math."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from node.activitypub.vocab import PUBLIC
from node.hubs.polls import rules as polls
from node.hubs.polls.rules import PollError, PollSpec, Tally

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
AUTHOR = "https://philly.example/users/nate"
HUB = "https://philly.example/hubs/portshutdown"
ID = "https://philly.example/objects/q1"


def spec(options: tuple[str, ...] = ("Saturday", "Sunday"), multiple: bool = False) -> PollSpec:
    return polls.make_spec("Which **day**?", options, multiple=multiple,
                           end=NOW + timedelta(days=1), now=NOW)


def test_one_choice_question_is_mastodon_shaped() -> None:
    document = polls.question_document(spec(), id=ID, author=AUTHOR, hubs=[HUB], now=NOW)
    assert document["type"] == "Question"
    assert document["content"] == "<p>Which <strong>day</strong>?</p>"
    assert document["oneOf"] == [
        {"type": "Note", "name": "Saturday", "replies": {"type": "Collection", "totalItems": 0}},
        {"type": "Note", "name": "Sunday", "replies": {"type": "Collection", "totalItems": 0}},
    ]
    assert "anyOf" not in document and "closed" not in document
    assert document["endTime"] == "2026-11-22T12:00:00Z"
    assert document["votersCount"] == 0
    assert document["attributedTo"] == AUTHOR
    assert document["to"] == [PUBLIC, HUB] and document["cc"] == [f"{AUTHOR}/followers"]
    assert document["published"] == "2026-11-21T12:00:00Z" and document["url"] == ID
    # votersCount is a Mastodon term: the inline context must define it.
    assert any(isinstance(c, dict) and c.get("votersCount") == "toot:votersCount"
               for c in document["@context"])


def test_several_choices_use_any_of() -> None:
    document = polls.question_document(spec(multiple=True), id=ID, author=AUTHOR, hubs=[HUB],
                                       now=NOW)
    assert [o["name"] for o in document["anyOf"]] == ["Saturday", "Sunday"]
    assert "oneOf" not in document
    assert polls.is_multiple(document)


def test_tallies_and_closing_rewrite_the_counts() -> None:
    document = polls.question_document(spec(), id=ID, author=AUTHOR, hubs=[HUB], now=NOW)
    tally = polls.tally_from(polls.options_of(document), {"Sunday": 3, "Gone": 9}, 3)
    assert tally == Tally(counts=(0, 3), voters=3)
    counted = polls.with_tally({**document, "proof": {"x": 1}}, tally)
    assert [o["replies"]["totalItems"] for o in counted["oneOf"]] == [0, 3]
    assert counted["votersCount"] == 3 and "proof" not in counted
    closed = polls.closed_document(counted, NOW + timedelta(hours=2))
    assert closed["closed"] == "2026-11-21T14:00:00Z"
    assert polls.tally_of(closed) == Tally(counts=(0, 3), voters=3, closed=closed["closed"])


def test_voters_count_distinct_voters_not_votes() -> None:
    # Given a several-choice poll where one voter picked both options and another one,
    # Then there are three votes but two voters.
    tally = polls.tally_from(("a", "b"), {"a": 2, "b": 1}, 2)
    assert sum(tally.counts) == 3 and tally.voters == 2


@pytest.mark.parametrize(("options", "message"), [
    ((), "at least 2 options to choose from, not 0"),
    (("yes",), "at least 2 options to choose from, not 1"),
    (tuple(f"option {i}" for i in range(21)), "at most 20 options, not 21"),
    (("yes", "  "), "may not be empty"),
    (("Yes", "yes "), "must differ: 'Yes', 'yes'"),
    (("x" * 101, "y"), "over 100 characters"),
    (("two\nlines", "one"), "one line"),
])
def test_bad_options_are_refused(options: tuple[str, ...], message: str) -> None:
    with pytest.raises(PollError, match=message):
        polls.validate_options(options)


def test_twenty_options_and_trimmed_names_are_fine() -> None:
    names = polls.validate_options([f" option {i} " for i in range(20)])
    assert len(names) == 20 and names[0] == "option 0"


@pytest.mark.parametrize(("end", "message"), [
    (NOW - timedelta(minutes=1), "not in the future"),
    (NOW, "not in the future"),
    (NOW + timedelta(minutes=4), "at least 5 minutes"),
    (NOW + timedelta(days=31), "at most 30 days"),
])
def test_end_must_lie_ahead_within_limits(end: datetime, message: str) -> None:
    with pytest.raises(PollError, match=message):
        polls.make_spec("When?", ["now", "later"], multiple=False, end=end, now=NOW)


def test_question_is_required() -> None:
    with pytest.raises(PollError, match="needs a question"):
        polls.make_spec("  ", ["a"], multiple=False, end=NOW + timedelta(hours=1), now=NOW)


@pytest.mark.parametrize(("text", "expected"), [
    ("30m", timedelta(minutes=30)), ("1h", timedelta(hours=1)), ("2d", timedelta(days=2)),
    ("1d12h", timedelta(days=1, hours=12)), ("1w", timedelta(weeks=1)),
])
def test_durations(text: str, expected: timedelta) -> None:
    assert polls.parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "1", "h", "1y", "1h-", "-1h", "1.5h"])
def test_unreadable_durations_are_refused(text: str) -> None:
    with pytest.raises(PollError, match="cannot read the duration"):
        polls.parse_duration(text)


def test_end_time_from_duration_time_or_default() -> None:
    assert polls.end_time(NOW, ends_in="2h") == NOW + timedelta(hours=2)
    assert polls.end_time(NOW, ends_at="2026-11-21T18:00:00+02:00") == NOW + timedelta(hours=4)
    assert polls.end_time(NOW) == NOW + timedelta(days=1)
    with pytest.raises(PollError, match="timezone offset"):
        polls.end_time(NOW, ends_at="2026-11-21T18:00:00")
    with pytest.raises(PollError, match="not both"):
        polls.end_time(NOW, ends_in="1h", ends_at="2026-11-21T18:00:00Z")


def test_keypad_preset_is_one_choice_of_the_three_keys() -> None:
    keypad = polls.keypad_spec(None, end=NOW + timedelta(hours=1), now=NOW)
    assert keypad.options == ("agree", "disagree", "more questions")
    assert not keypad.multiple
    assert "press 2 to agree, 3 to disagree, 5 for more questions" in keypad.content
    assert polls.KEYPAD_QUESTION in keypad.content
    custom = polls.keypad_spec("Occupy the port?", end=NOW + timedelta(hours=1), now=NOW)
    assert custom.content.startswith("<p>Occupy the port?</p>")


def test_open_closed_and_ended() -> None:
    document = polls.question_document(spec(), id=ID, author=AUTHOR, hubs=[HUB], now=NOW)
    assert polls.closed_reason(document, NOW) is None
    assert polls.closed_reason(document, NOW + timedelta(days=1)) == (
        "the poll ended at 2026-11-22T12:00:00Z")
    closed = polls.closed_document(document, NOW)
    assert polls.closed_reason(closed, NOW) == "the poll closed at 2026-11-21T12:00:00Z"


def test_question_text_is_plain() -> None:
    document = {"content": "<p>Rent &amp; <em>food</em></p><p>now?</p>"}
    assert polls.question_text(document) == "Rent & food now?"


def test_keypad_digits_stand_for_their_options_on_keypad_polls_only() -> None:
    # Given the keypad poll ("press 2 to agree, 3 to disagree, 5 for more questions")
    keypad = polls.question_document(
        polls.keypad_spec(None, end=NOW + timedelta(hours=1), now=NOW), id="https://n.example/p",
        author="https://n.example/users/a", hubs=[], now=NOW)
    assert [polls.chosen_option(keypad, d) for d in ("2", "3", " 5 ", "4", "agree")] == [
        "agree", "disagree", "more questions", "4", "agree"]
    # a poll of other options takes "2" as the text it is
    other = polls.question_document(spec(("1", "2")), id="https://n.example/q",
                                    author="https://n.example/users/a", hubs=[], now=NOW)
    assert polls.chosen_option(other, "2") == "2"


def test_voters_are_counted_in_words() -> None:
    assert [polls.voters_text(n) for n in (0, 1, 2)] == ["0 voters", "1 voter", "2 voters"]
