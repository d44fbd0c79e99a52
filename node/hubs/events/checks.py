"""What a careful organizer tool refuses in a new or changed event or call, pure.

:func:`node.hubs.events.rules.check` refuses what cannot be published at all (no title, an end
before the start, a ``javascript:`` link). These rules refuse what is almost surely a
mistake, each with a message saying how to go on, and are shared by the CLI and the web
forms (the services call :func:`careful`):

* **The past.** An event or call that starts before now is refused unless the organizer
  says it is in the past on purpose, for the record (``--past``, or the form's box).
* **Nowhere.** An event needs a place or an online link: followers must know where to
  go. (A call needs a call link or a dial-in number, :func:`node.hubs.events.rules.check`.)
* **A dial-in that cannot be dialled.** It must read as a phone number, with an optional
  extension or PIN, or be a ``tel:``, ``sip:``/``sips:`` or ``http(s):`` URI:

  - a number: an optional ``+``, then 5 to 15 digits (ITU-T E.164 allows at most 15)
    grouped by spaces, dots, dashes, slashes or parentheses;
  - after it, only what dials an extension or a PIN: pauses (``,`` ``;``), ``#``, ``*``,
    digits, and the words ``x``, ``ext``, ``extension``, ``pin``, ``code``, ``passcode``
    (``+1 555 010 0100,,4321#``, ``+49 30 1234567 ext. 12``, ``... PIN: 1234``);
  - ``tel:+1-555-0100;postd=1234`` (RFC 3966), ``sip:room@example.org`` (RFC 3261),
    ``https://dial.example/room`` as they are.

  "call me maybe" is none of these.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from node.hubs.events.rules import EventError, EventSpec, Online, Place
from node.messages import N_, Span, Text
from node.zones import when_text

MIN_DIGITS, MAX_DIGITS = 5, 15
#: a Text, so that a page shows it in the reader's language (the command line in English)
PAST_HINT = Text(N_("if it really is in the past and you are recording it, say so: add --past "
                    "on the command line, or tick \u201cIt is in the past\u201d on the form"))
_NUMBER = re.compile(r"\+?[\d\s().\-/]*")  # one class, greedy: no backtracking
_TAIL = re.compile(r"(?:[\s,;#*:.\d]|extension|ext|x|passcode|pin|code)*", re.IGNORECASE)
_URI_SCHEMES = ("tel", "sip", "sips", "http", "https")


def dial_in_problem(text: str) -> str | None:
    """Why ``text`` cannot be a dial-in, or None when it can (see the module's rule)."""
    value = text.strip()
    scheme, colon, rest = value.partition(":")
    if colon and scheme.lower() in _URI_SCHEMES:
        if not rest or any(c.isspace() for c in rest):
            return Text(N_("a %(scheme)s: address needs something after the colon, and no "
                           "spaces"), scheme=scheme.lower())
        if scheme.lower().startswith("http") and not urlsplit(value).netloc:
            return Text(N_("a web link needs a host"))
        return None
    number = _NUMBER.match(value)
    head = number.group() if number else ""
    if not head.strip() or not _TAIL.fullmatch(value[len(head):]):
        return Text(N_("it is not a phone number"))
    digits = sum(c.isdigit() for c in head)
    if not MIN_DIGITS <= digits <= MAX_DIGITS:
        return Text(N_("a phone number has %(low)s to %(high)s digits, this has %(count)s"),
                    low=MIN_DIGITS, high=MAX_DIGITS, count=digits)
    return None


def check_dial_in(text: str) -> None:
    """:class:`EventError` when a non-empty dial-in is not one a phone could dial."""
    if not text.strip():
        return
    problem = dial_in_problem(text)
    if problem is not None:
        raise EventError(
            Text(
            N_("the dial-in %(value)s cannot be dialled (%(problem)s): give a phone number such "
               "as +1 555 010 0100, with a PIN after it if needed (+1 555 010 0100,,4321#), or "
               "a tel:, sip: or https: address"),
            value=repr(text.strip()), problem=problem))


def check_where(spec: EventSpec) -> None:
    """An event needs a place or an online link (a call its link or dial-in)."""
    if spec.call is None and not isinstance(spec.location, Place | Online):
        raise EventError(Text(
            N_("an event needs a place or an online link, so that followers know where to go")))


def check_not_past(spec: EventSpec, now: datetime, *, past: bool) -> None:
    """A start before ``now`` is refused unless ``past`` says it is on purpose."""
    if spec.start < now and not past:
        when = Span(when_text(spec.start, spec.end, spec.timezone), start=spec.start,
                    end=spec.end, zone=spec.timezone)
        raise EventError(Text(
            N_("%(value)s would start in the past (%(when)s); %(PAST_HINT)s"),
            value=spec.title or 'the event', when=when, PAST_HINT=PAST_HINT))


def careful(spec: EventSpec, now: datetime, *, past: bool = False, timed: bool = True) -> None:
    """Every rule above; ``timed=False`` skips the past (an edit that keeps the time)."""
    check_where(spec)
    if spec.call is not None:
        check_dial_in(spec.call.dial_in)
    if timed:
        check_not_past(spec, now, past=past)
