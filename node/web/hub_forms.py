"""Reading the organizer's hub forms into what the domain services take.

Pure functions of the submitted fields: each kind's form is read into a dict of strings
(re-shown as typed after a refusal), then into an ``EventSpec``, a ``PollSpec`` or plain
values. Only what a form adds is checked here (a required field left empty, a number
that is not one, weekly repeats turned into an RRULE); everything else is the domain
services' to validate, and their messages are shown as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.datastructures import FormData

from node.hubs.events.recurrence import MAX_OCCURRENCES
from node.hubs.events.rules import CallDetails, EventSpec, Online, Place, check
from node.hubs.polls import rules as polls
from node.hubs.polls.rules import PollSpec
from node.web.i18n import N_, Text
from node.zones import parse_local, zone

KINDS = ("update", "minutes", "event", "call", "poll")
FIELDS: dict[str, tuple[str, ...]] = {
    "update": ("text", "image_alt", "also_to"),
    "minutes": ("title", "summary", "body", "attachments", "also_to"),
    "event": ("title", "start", "end", "timezone", "place_name", "place_address",
              "online_url", "capacity", "description", "past", "image_alt", "also_to"),
    "call": ("title", "start", "duration", "timezone", "repeat", "weeks", "rrule", "call_url",
             "dial_in", "access_code", "facilitator", "agenda", "breakout_rooms", "past",
             "also_to"),
    "poll": ("question", "options", "choice", "ends_in", "ends_unit", "keypad", "also_to"),
}
DEFAULTS: dict[str, dict[str, str]] = {
    "call": {"duration": "60", "repeat": "once"},
    "poll": {"choice": "one", "ends_in": "1", "ends_unit": "days"},
}
POLL_UNITS = {"minutes": "m", "hours": "h", "days": "d"}
MAX_CALL_MINUTES = 24 * 60

Values = Mapping[str, str]


class FormError(ValueError):
    """A form filled in wrongly; the message is shown to the organizer as is."""


@dataclass(frozen=True)
class MinutesInput:
    title: str
    summary: str
    markdown: str
    attachments: list[tuple[str, str]]


def field(form: FormData, name: str) -> str:
    """A text field with browser line endings (CRLF) made single, trimmed; "" if absent."""
    raw = form.get(name)
    return raw.replace("\r\n", "\n").strip() if isinstance(raw, str) else ""


def form_values(form: FormData, kind: str, defaults: Values | None = None) -> dict[str, str]:
    """Every field of ``kind``'s form: submitted, else its default, else ""."""
    base = {**DEFAULTS.get(kind, {}), **(defaults or {})}
    return {name: field(form, name) if name in form else base.get(name, "")
            for name in FIELDS[kind]}


def blank_values(kind: str, defaults: Values | None = None) -> dict[str, str]:
    """The values of an empty ``kind`` form."""
    base = {**DEFAULTS.get(kind, {}), **(defaults or {})}
    return {name: base.get(name, "") for name in FIELDS[kind]}


def lines(text: str) -> list[str]:
    """The non-blank lines of ``text``, trimmed."""
    return [line.strip() for line in text.split("\n") if line.strip()]


def required(values: Values, name: str, message: str) -> str:
    value = values.get(name, "")
    if not value:
        raise FormError(message)
    return value


def digits(value: str) -> int | None:
    """``value`` as a non-negative integer of at most nine ASCII digits, else None."""
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        return None
    return int(value)


def whole_number(value: str, what: str, low: int, high: int) -> int:
    """``value`` as an integer from ``low`` to ``high``, or :class:`FormError`; ``what``
    names the field (marked with ``N_``, translated inside the sentence)."""
    number = digits(value)
    if number is None or not low <= number <= high:
        raise FormError(Text(N_("%(what)s must be a whole number from %(low)s to %(high)s."),
                             what=Text(what), low=low, high=high))
    return number


def update_text(values: Values) -> str:
    return required(values, "text", N_("Write something before posting."))


def attachment_pairs(text: str) -> list[tuple[str, str]]:
    """``NAME=URL`` lines split at the first ``=`` (the URL is checked by the service)."""
    pairs = []
    for line in lines(text):
        name, sep, url = line.partition("=")
        if not sep or not name.strip() or not url.strip():
            raise FormError(Text(N_("Write each attachment as NAME=URL on its own line, "
                                    "not %(line)s."), line=repr(line)))
        pairs.append((name.strip(), url.strip()))
    return pairs


def minutes_input(values: Values) -> MinutesInput:
    title = required(values, "title", N_("Give the minutes a title."))
    body = required(values, "body", N_("Write the minutes (Markdown) before posting."))
    return MinutesInput(title=title, summary=values.get("summary", ""), markdown=body,
                        attachments=attachment_pairs(values.get("attachments", "")))


def timezone_of(values: Values) -> str:
    name = required(values, "timezone",
                    N_("Give the timezone, an IANA name such as America/New_York."))
    zone(name)  # refused with the calendar's own message when unknown
    return name


#: the refusal of each date and time field left empty
NO_TIME = {"start": N_("Give the start date and time."), "end": N_("Give the end date and time.")}


def local_time(values: Values, name: str, tz: str) -> datetime:
    return parse_local(required(values, name, NO_TIME[name]), tz)


def location(values: Values) -> Place | Online | None:
    """A place (name and address) or an online link, not both."""
    name, address = values.get("place_name", ""), values.get("place_address", "")
    url = values.get("online_url", "")
    if url and (name or address):
        raise FormError(N_("Give a place or an online link, not both."))
    if url:
        return Online(url)
    return Place(name, address) if name or address else None


def capacity(values: Values) -> int | None:
    text = values.get("capacity", "")
    if not text:
        return None
    number = digits(text)
    if number is None:
        raise FormError(N_("The capacity must be a whole number (or left empty)."))
    return number


def event_spec(values: Values) -> EventSpec:
    """The Event the form describes, checked (:func:`node.hubs.events.rules.check`)."""
    tz = timezone_of(values)
    return check(EventSpec(
        title=values.get("title", ""), start=local_time(values, "start", tz),
        end=local_time(values, "end", tz), timezone=tz, location=location(values),
        capacity=capacity(values), description=values.get("description", "")))


def past(values: Values) -> bool:
    """The organizer ticked "It is in the past": a past event on purpose, for the record."""
    return bool(values.get("past"))


def repeat_rule(values: Values) -> str | None:
    """None for a one-off call; weekly for N weeks; or the organizer's own RRULE."""
    choice = values.get("repeat", "once") or "once"
    if choice == "once":
        return None
    if choice == "weekly":
        weeks = whole_number(values.get("weeks", ""), N_("The number of weeks"), 1,
                             MAX_OCCURRENCES)
        return f"FREQ=WEEKLY;COUNT={weeks}"
    if choice == "rrule":
        return required(values, "rrule", N_("Write the RRULE, such as "
                        "FREQ=WEEKLY;BYDAY=MO;COUNT=10, or choose another repeat."))
    raise FormError(N_("Choose how the call repeats."))


def call_input(values: Values) -> tuple[EventSpec, str | None]:
    """The call's Event (checked) and its RRULE, if it repeats."""
    tz = timezone_of(values)
    start = local_time(values, "start", tz)
    minutes = whole_number(values.get("duration", ""), N_("The duration in minutes"), 1,
                           MAX_CALL_MINUTES)
    url = values.get("call_url", "")
    call = CallDetails(call_url=url, dial_in=values.get("dial_in", ""),
                       access_code=values.get("access_code", ""),
                       facilitator=values.get("facilitator", ""),
                       agenda=values.get("agenda", ""),
                       breakout_rooms=tuple(lines(values.get("breakout_rooms", ""))))
    spec = check(EventSpec(title=values.get("title", ""), start=start, timezone=tz, call=call,
                           end=start + timedelta(minutes=minutes),
                           location=Online(url) if url else None))
    return spec, repeat_rule(values)


def poll_end(values: Values, now: datetime) -> datetime:
    unit = POLL_UNITS.get(values.get("ends_unit", ""))
    if unit is None:
        raise FormError(N_("Choose minutes, hours or days for how long the poll stays open."))
    amount = whole_number(values.get("ends_in", ""), N_("How long the poll stays open"),
                          1, 999)
    return now + polls.parse_duration(f"{amount}{unit}")


def poll_spec(values: Values, now: datetime) -> PollSpec:
    """The poll the form describes, or the call keypad preset when ``keypad`` is set."""
    end = poll_end(values, now)
    if values.get("keypad"):
        return polls.keypad_spec(values.get("question") or None, end=end, now=now)
    question = required(values, "question", N_("Write the question."))
    options = lines(values.get("options", ""))
    if len(options) < polls.MIN_OPTIONS:
        raise FormError(Text(N_("Give at least %(count)s options, one a line: a poll with "
                                "fewer asks nothing."), count=polls.MIN_OPTIONS))
    return polls.make_spec(question, options, multiple=values.get("choice") == "several",
                           end=end, now=now)
