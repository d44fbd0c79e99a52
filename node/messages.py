"""Sentences that every layer may raise and that a page can still translate.

A domain service refuses in English (the command line prints that sentence word for
word), but a page shows the refusal in the reader's language. :func:`N_` marks a
sentence for extraction (``make messages`` reads the domain packages too), and
:class:`Text` is that English sentence with its values filled in, keeping the msgid
and the values so that the web layer (``node.web.i18n.translated``) can look the
msgid up in the reader's catalogue and fill the values in again. No gettext here:
the language is only known where a request is.
"""

from __future__ import annotations

from datetime import datetime


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


class Text(str):
    """An English sentence with named values, that a page can still translate.

    ``Text(N_("Only members of %(hub)s ..."), hub=name)`` reads as the filled-in English
    sentence wherever a str is expected (logs, JSON errors, the CLI, tests), and keeps
    its msgid and values so that a page looks the msgid up and fills it in again.
    """

    msgid: str
    values: dict[str, object]

    def __new__(cls, msgid: str, **values: object) -> Text:
        made = super().__new__(cls, msgid % values if values else msgid)
        made.msgid, made.values = msgid, values
        return made


def refusal(exc: BaseException) -> str:
    """The message of ``exc``: its :class:`Text` when it was raised with one.

    ``str(exc)`` makes a plain str of a str subclass, losing the msgid; this keeps it.
    """
    first = exc.args[0] if len(exc.args) == 1 else None
    return first if isinstance(first, Text) else str(exc)


class Span(str):
    """An event's time inside a :class:`Text`: English as the command line prints it
    (``Wed 1 Jan 2020, 10:00 AM to 12:00 PM PST (America/Los_Angeles)``), and its start,
    end and zone, so that a page words it in the reader's language instead
    (``node.web.i18n.translated``: CLDR, ``mié, 1 ene 2020, 10:00 - 12:00 PST``)."""

    start: datetime
    end: datetime
    zone: str

    def __new__(cls, english: str, *, start: datetime, end: datetime, zone: str) -> Span:
        made = super().__new__(cls, english)
        made.start, made.end, made.zone = start, end, zone
        return made
