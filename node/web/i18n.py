"""Languages: the catalogues under ``locales/``, the reader's language, and gettext.

Every string a page shows goes through gettext (Babel catalogues, GNU gettext format).
The language of a request is, in order: the ``lang`` cookie set by the footer's
language links, else Babel's negotiation of ``Accept-Language`` (RFC 9110 section
12.5.4) against the catalogues we ship, else English.

The catalogues are compiled from their ``.po`` files when first used, in memory, with
Babel's own compiler (``write_mo``): no binary ``.mo`` lives in git, an editable
install needs no build step, and a running node never shows a stale compiled file.
Compiling both catalogues takes a few milliseconds, once per process. Fuzzy entries
are left out, as ``msgfmt`` does, so a doubtful translation shows the English text.
"""

from __future__ import annotations

import functools
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Final

from starlette.requests import Request

from node.messages import N_ as N_
from node.messages import Span
from node.messages import Text as Text
from node.messages import refusal as refusal
from node.web import dates

if TYPE_CHECKING:  # Babel loads with the first page or mail (issue 7, 1.14)
    from babel.support import Translations

LOCALES: Final = Path(__file__).parent / "locales"
DOMAIN: Final = "messages"
DEFAULT_LOCALE: Final = "en"
LANG_COOKIE: Final = "lang"
LANGUAGE_NAMES: Final = {"en": "English", "es": "Español"}  # each in its own language
_MAX_LANGUAGES = 32  # an Accept-Language with more ranges is truncated, bounding the work


def as_sentence(text: str) -> str:
    """``text`` with a capital first letter and a full stop (an opening actor URI stays)."""
    text = text.strip()
    if text and "://" not in text.split(" ", 1)[0]:
        text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


class Sentence(Text):
    """A service's :class:`Text` shown as a sentence: made one after it is translated."""

    def __new__(cls, msgid: str, **values: object) -> Sentence:
        made = super().__new__(cls, msgid, **values)
        english = str.__new__(cls, as_sentence(str(made)))
        english.msgid, english.values = msgid, values
        return english


def translated(t: Translations, message: str) -> str:
    """``message`` in the language of ``t``: a :class:`Text` with its values filled in."""
    if isinstance(message, Text):
        found = t.gettext(message.msgid)
        values = {k: _value_in(t, v) for k, v in message.values.items()}
        filled = found % values if values else found
        return as_sentence(filled) if isinstance(message, Sentence) else filled
    return str(t.gettext(message))


def _value_in(t: Translations, value: object) -> object:
    """A value of a :class:`Text` in the language of ``t``: a quoted refusal translated,
    an event's :class:`Span` worded by CLDR, anything else as it is."""
    if isinstance(value, Text):
        return translated(t, value)
    if isinstance(value, Span):
        lang = str(t.info().get("language") or DEFAULT_LOCALE)
        return f"{dates.span(value.start, value.end, value.zone, lang)} ({value.zone})"
    return value


def C_(context: str, message: str) -> str:
    """Mark ``message`` for extraction with a ``msgctxt``; pgettext translates it."""
    return message


# Words the templates show from data, marked here so that extraction finds them: a
# kind of item (``pgettext("kind", item.kind)``: "minutes" is also a unit of time), a
# member's role, an actor's kind and a poll's time unit (``_(word)``).
VOCABULARY = (
    C_("kind", "update"), C_("kind", "minutes"), C_("kind", "event"), C_("kind", "call"),
    C_("kind", "poll"),
    N_("admin"), N_("moderator"), N_("member"),
    N_("organizer"), N_("hub"), N_("node"), N_("service"), N_("newswire"),
    N_("minutes"), N_("hours"), N_("days"),
)


@functools.cache
def available_locales() -> tuple[str, ...]:
    """The languages with a catalogue, English first."""
    found = sorted(p.parent.parent.name for p in LOCALES.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (DEFAULT_LOCALE, *(code for code in found if code != DEFAULT_LOCALE))


@functools.cache
def translations(locale: str) -> Translations:
    """The compiled catalogue of ``locale`` (one of :func:`available_locales`)."""
    from babel.support import Translations

    path = LOCALES / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():  # English without its catalogue: the msgids are English
        return Translations()
    # Babel's catalogue reader and compiler (difflib and all) load at the first page that
    # needs a catalogue, not at start-up (issue 7, item 14: idle memory).
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with path.open("rb") as source:
        catalog = read_po(source, locale=locale, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def parse_accept_language(header: str | None) -> list[str]:
    """The language tags of an ``Accept-Language`` header, most wanted first (q=0 dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for position, element in enumerate((header or "").split(",")[:_MAX_LANGUAGES]):
        tag, _, params = element.strip().partition(";")
        q = 1.0
        name, eq, value = params.strip().partition("=")
        if eq and name.strip().lower() == "q":
            try:
                q = float(value)
            except ValueError:
                continue
        if tag and tag != "*" and 0.0 < q <= 1.0:
            ranked.append((-q, position, tag.strip()))
    return [tag for _, _, tag in sorted(ranked)]


def choose_locale(cookie: str | None, accept_language: str | None) -> str:
    """The language to answer in: the chosen one, else the best negotiated, else English."""
    locales = available_locales()
    if cookie in locales:
        return cookie
    from babel.core import negotiate_locale

    found = negotiate_locale(parse_accept_language(accept_language), locales, sep="-")
    by_lower = {code.lower(): code for code in locales}  # Babel keeps the header's case
    return by_lower.get((found or "").lower(), DEFAULT_LOCALE)


def locale_of(request: Request) -> str:
    """The language of this request, worked out once and kept on the request."""
    cached = getattr(request.state, "locale", None)
    if isinstance(cached, str):
        return cached
    locale = choose_locale(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))
    request.state.locale = locale
    return locale


def translator(request: Request) -> Translations:
    """gettext for this request: ``_ = translator(request).gettext``."""
    return translations(locale_of(request))
