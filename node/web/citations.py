"""A Code of Conduct citation (``Code of Conduct v3, 2. No doxxing``) in the reader's
language.

The newswire logs what a rejection cited as English text, so that later versions never
rewrite history (:mod:`node.newswire.conduct.rules`); the pages show that text. Its
frame ("Code of Conduct (default)", "Code of Conduct v3") is the node's, and a clause of
the default Code of Conduct is a message of the catalogues (the reader saw it in their
language on /news/conduct): both are translated here. A clause of a version the admins
wrote is shown as they wrote it, and any other text (a report's reason) as it is.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from node.newswire.conduct.default import CLAUSES
from node.web.i18n import N_

if TYPE_CHECKING:
    from babel.support import Translations

_CITATION = re.compile(
    r"Code of Conduct (?:\(default\)|v(\d{1,9})), (\d{1,3}(?:\.\d{1,3})*)\. (.+)", re.DOTALL)


def shown_citation(t: Translations, text: str) -> str:
    """``text`` with a citation's frame (and a default clause) in the language of ``t``."""
    match = _CITATION.fullmatch(text)
    if match is None:
        return text
    version, number, clause = match.groups()
    if version is None:
        words = t.gettext(clause) if clause in CLAUSES else clause
        return t.gettext(N_("Code of Conduct (default), %(number)s. %(clause)s")) % {
            "number": number, "clause": words}
    return t.gettext(N_("Code of Conduct v%(version)s, %(number)s. %(clause)s")) % {
        "version": version, "number": number, "clause": clause}
