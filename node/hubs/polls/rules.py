"""Straw polls as Mastodon-compatible ``Question`` objects: documents, rules and tallies.

Pure functions: ids, times and counts are passed in. The shape follows the
ActivityStreams Vocabulary (section 3.3, ``Question`` with ``oneOf``/``anyOf`` and
``closed``) as Mastodon serialises and parses it (``app/serializers/activitypub/
note_serializer.rb``, ``app/lib/activitypub/parser/poll_parser.rb``) and GoToSocial
documents it (``docs/federation/posts.md``, "Polls"): each option is a ``Note`` whose
``name`` is the option text and whose ``replies.totalItems`` is its vote count, plus
``endTime``, ``closed`` (a time, once closed) and ``toot:votersCount``.

Limits (ionode's choice, enforced for local polls only): 2 to 20 options (one option
asks nothing) of at most 100 characters each (Mastodon's own default is 4 options of
50; it accepts more from remote servers and shows them); voting ends 5 minutes to 30
days after creation. On a keypad poll the digit a caller presses names its option.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from node.activitypub.context import object_context
from node.activitypub.vocab import PUBLIC, isoformat
from node.hubs.hub.publish import HubError
from node.hubs.hub.times import closed_at
from node.messages import N_, Text
from node.text import post_html

MIN_OPTIONS = 2
MAX_OPTIONS = 20
MAX_OPTION_CHARS = 100
MIN_DURATION = timedelta(minutes=5)
MAX_DURATION = timedelta(days=30)
DEFAULT_DURATION = timedelta(days=1)
# The InterOccupy call keypad: 2 agree, 3 disagree, 5 more questions.
KEYPAD = (("agree", 2), ("disagree", 3), ("more questions", 5))
KEYPAD_QUESTION = "Temperature check on the proposal on the floor"
KEYPAD_OPTIONS = tuple(name for name, _ in KEYPAD)
KEYPAD_DIGITS = {str(digit): name for name, digit in KEYPAD}
_DURATION_PART = re.compile(r"(\d+)([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BREAKS = re.compile(r"</p>|<br\s*/?>", re.IGNORECASE)


class PollError(HubError):
    """A refused poll operation; the message is shown to the organizer as is."""


@dataclass(frozen=True)
class PollSpec:
    """A validated poll: sanitised question HTML, option names, choice mode, end."""

    content: str
    options: tuple[str, ...]
    multiple: bool
    end_time: datetime


@dataclass(frozen=True)
class Tally:
    """Votes per option (in option order), distinct voters, and the closing time if any."""

    counts: tuple[int, ...]
    voters: int
    closed: str | None = None


def validate_options(options: Sequence[str]) -> tuple[str, ...]:
    """2..20 distinct, non-empty, single-line option names of at most 100 characters."""
    names = tuple(option.strip() for option in options)
    if len(names) < MIN_OPTIONS:
        raise PollError(Text(
            N_("a poll needs at least %(MIN_OPTIONS)s options to choose from, not %(value)s "
               "(--option, once for each)"),
            MIN_OPTIONS=MIN_OPTIONS, value=len(names)))
    if len(names) > MAX_OPTIONS:
        raise PollError(Text(
            N_("a poll may have at most %(MAX_OPTIONS)s options, not %(value)s"),
            MAX_OPTIONS=MAX_OPTIONS, value=len(names)))
    for name in names:
        if not name:
            raise PollError(Text(N_("poll options may not be empty")))
        if len(name) > MAX_OPTION_CHARS:
            raise PollError(Text(
                N_("poll option %(value)s... is over %(MAX_OPTION_CHARS)s characters"),
                value=repr(name[:20]), MAX_OPTION_CHARS=MAX_OPTION_CHARS))
        if _CONTROL.search(name):
            raise PollError(Text(
                N_("poll option %(name)s must be one line of text"),
                name=repr(name)))
    folded = [name.casefold() for name in names]
    duplicates = sorted({n for n, f in zip(names, folded, strict=True) if folded.count(f) > 1})
    if duplicates:
        raise PollError(Text(
            N_("poll options must differ: %(value)s"),
            value=', '.join(map(repr, duplicates))))
    return names


def parse_duration(text: str) -> timedelta:
    """``30m``, ``1h``, ``2d``, ``1w`` or combinations such as ``1d12h``."""
    compact = text.strip().lower().replace(" ", "")
    parts = _DURATION_PART.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact:
        raise PollError(Text(
            N_("cannot read the duration %(text)s: use e.g. 30m, 1h, 2d or 1d12h"),
            text=repr(text)))
    return sum((timedelta(**{_UNITS[u]: int(n)}) for n, u in parts), timedelta())


def parse_end(text: str) -> datetime:
    """An ISO 8601 time with an offset (``2026-11-22T18:00:00Z``)."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise PollError(Text(
            N_("cannot read the time %(text)s: use ISO 8601, e.g. 2026-11-22T18:00:00Z"),
            text=repr(text))) from exc
    if moment.tzinfo is None:
        raise PollError(Text(
            N_("give %(text)s a timezone offset, e.g. 2026-11-22T18:00:00Z"),
            text=repr(text)))
    return moment.astimezone(UTC)


def end_time(now: datetime, *, ends_in: str | None = None,
             ends_at: str | None = None) -> datetime:
    """When voting ends: ``ends_in`` from now, or ``ends_at``, or a day from now."""
    if ends_in is not None and ends_at is not None:
        raise PollError(Text(N_("give either an end time or a duration, not both")))
    if ends_at is not None:
        return parse_end(ends_at)
    return now + (parse_duration(ends_in) if ends_in is not None else DEFAULT_DURATION)


def check_end(end: datetime, now: datetime) -> datetime:
    """``end`` when it lies 5 minutes to 30 days ahead of ``now``, else :class:`PollError`."""
    if end <= now:
        raise PollError(Text(
            N_("the poll's end %(value)s is not in the future"),
            value=isoformat(end)))
    if end - now < MIN_DURATION:
        raise PollError(Text(N_("a poll must stay open for at least 5 minutes")))
    if end - now > MAX_DURATION:
        raise PollError(Text(N_("a poll may stay open for at most 30 days")))
    return end


def make_spec(question: str, options: Sequence[str], *, multiple: bool, end: datetime,
              now: datetime) -> PollSpec:
    """A validated poll; the question is Markdown, rendered and sanitised like a post."""
    if not question.strip():
        raise PollError(Text(N_("a poll needs a question (--question)")))
    names = validate_options(options)
    return PollSpec(content=post_html(question), options=names, multiple=multiple,
                    end_time=check_end(end, now))


def keypad_spec(question: str | None, *, end: datetime, now: datetime) -> PollSpec:
    """The call keypad preset: one choice of "agree", "disagree" or "more questions"."""
    keys = ", ".join(f"{digit} to {name}" if name != "more questions" else f"{digit} for {name}"
                     for name, digit in KEYPAD)
    spec = make_spec(question or KEYPAD_QUESTION, list(KEYPAD_OPTIONS),
                     multiple=False, end=end, now=now)
    hint = f"<p>On the call keypad: press {keys}.</p>"
    return PollSpec(content=spec.content + hint, options=spec.options, multiple=False,
                    end_time=spec.end_time)


def question_document(spec: PollSpec, *, id: str, author: str, hubs: Sequence[str],
                      now: datetime) -> dict[str, Any]:
    """The Question, addressed publicly and to the hubs, with zero votes."""
    choices = [{"type": "Note", "name": name, "replies": {"type": "Collection", "totalItems": 0}}
               for name in spec.options]
    document: dict[str, Any] = {
        "@context": object_context(), "id": id, "type": "Question", "attributedTo": author,
        "content": spec.content, "published": isoformat(now), "url": id,
        "to": [PUBLIC, *hubs], "cc": [f"{author}/followers"],
        "anyOf" if spec.multiple else "oneOf": choices,
        "endTime": isoformat(spec.end_time), "votersCount": 0,
    }
    if hubs:
        document["audience"] = hubs[0]
    return document


def _choices(document: Mapping[str, Any]) -> list[Any]:
    items = document.get("anyOf", document.get("oneOf"))
    return items if isinstance(items, list) else []


def options_of(document: Mapping[str, Any]) -> tuple[str, ...]:
    """The option names, in order."""
    return tuple(str(item.get("name", "")) for item in _choices(document)
                 if isinstance(item, Mapping))


def is_keypad(document: Mapping[str, Any]) -> bool:
    """A poll whose options are the call keypad's (agree, disagree, more questions)."""
    return options_of(document) == KEYPAD_OPTIONS


def chosen_option(document: Mapping[str, Any], choice: str) -> str:
    """The option ``choice`` names: on a keypad poll the digit pressed ("2" is "agree")
    stands for its option, as the poll's own text tells voters; otherwise ``choice``."""
    if is_keypad(document):
        return KEYPAD_DIGITS.get(choice.strip(), choice)
    return choice


def voters_text(count: int) -> str:
    """``1 voter``, ``2 voters``."""
    return f"{count} voter" if count == 1 else f"{count} voters"


def is_multiple(document: Mapping[str, Any]) -> bool:
    """``anyOf`` (several choices per voter) rather than ``oneOf``."""
    return isinstance(document.get("anyOf"), list)


def closed_reason(document: Mapping[str, Any], now: datetime) -> str | None:
    """Why the poll takes no more votes, or None while it is open."""
    if document.get("closed"):
        return f"the poll closed at {document['closed']}"
    end = closed_at(document, now)
    return None if end is None else f"the poll ended at {isoformat(end)}"


def tally_from(options: Sequence[str], counts: Mapping[str, int], voters: int) -> Tally:
    """Per-option counts in option order (missing options count 0; unknown ones are
    dropped), and the number of distinct voters."""
    return Tally(counts=tuple(int(counts.get(name, 0)) for name in options), voters=voters)


def tally_of(document: Mapping[str, Any]) -> Tally:
    """What a Question document says: its totals, voters and closing time."""
    counts = []
    for item in _choices(document):
        replies = item.get("replies") if isinstance(item, Mapping) else None
        total = replies.get("totalItems") if isinstance(replies, Mapping) else 0
        counts.append(total if isinstance(total, int) else 0)
    voters = document.get("votersCount")
    closed = document.get("closed")
    return Tally(counts=tuple(counts), voters=voters if isinstance(voters, int) else 0,
                 closed=closed if isinstance(closed, str) else None)


def with_tally(document: Mapping[str, Any], tally: Tally) -> dict[str, Any]:
    """A copy carrying ``tally`` (and without the old proof: it no longer holds)."""
    updated = {k: v for k, v in document.items() if k != "proof"}
    key = "anyOf" if is_multiple(document) else "oneOf"
    updated[key] = [{**item, "replies": {"type": "Collection", "totalItems": count}}
                    for item, count in zip(_choices(document), tally.counts, strict=True)]
    updated["votersCount"] = tally.voters
    return updated


def closed_document(document: Mapping[str, Any], at: datetime) -> dict[str, Any]:
    """A copy marked ``closed`` at ``at`` (Mastodon then takes ``closed`` as the end)."""
    closed = {k: v for k, v in document.items() if k != "proof"}
    closed["closed"] = isoformat(at)
    return closed


def question_text(document: Mapping[str, Any]) -> str:
    """The question as one line of plain text (for the CLI)."""
    import nh3

    content = document.get("content")
    if not isinstance(content, str):
        return ""
    text = html.unescape(nh3.clean(_BREAKS.sub(" ", content), tags=set()))
    return " ".join(text.split())
