"""Keeping the catalogues in step with the templates and code (``make messages``).

``pybabel extract`` writes ``messages.pot`` from ``babel.cfg``; ``pybabel update``
merges it into each language's ``.po``; then :func:`fill_english` copies each new
English msgid into its msgstr, so the English catalogue is complete and English
wording can later be changed there without touching the msgids every other
catalogue is keyed on. Run as ``python -m node.web.catalogues``.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

from node.web.i18n import DEFAULT_LOCALE, DOMAIN, LOCALES

# Beyond Babel's defaults (_, gettext, ngettext, pgettext, N_, ...): ``C_(context, msg)``,
# the extraction mark for a word with a msgctxt. The Makefile passes ``-k C_:1c,2``.
KEYWORDS = {"C_": ((1, "c"), 2)}


def fill_english(path: Path) -> int:
    """Give every empty English msgstr its msgid; the number of entries filled."""
    with path.open("rb") as source:
        catalog = read_po(source, locale=DEFAULT_LOCALE, domain=DOMAIN)
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            if not isinstance(message.string, tuple | list) or not all(message.string):
                message.string = (message.id[0], message.id[1])
                filled += 1
        elif not message.string:
            message.string = message.id
            filled += 1
        message.flags.discard("fuzzy")
    with path.open("wb") as out:
        write_po(out, catalog, omit_header=False, no_location=True, sort_output=True, width=88)
    return filled


if __name__ == "__main__":
    english = LOCALES / DEFAULT_LOCALE / "LC_MESSAGES" / f"{DOMAIN}.po"
    print(f"{fill_english(english)} English entries filled in {english}")
