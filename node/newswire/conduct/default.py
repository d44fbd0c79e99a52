"""The Code of Conduct a new node starts with, until its admins publish their own.

Moderators reject news by citing a numbered clause of the Code of Conduct, so a node
without one could not reject anything, and its readers could not tell what the
newswire publishes. This short, neutral text, written for ionode, is in force from the
start: the public page shows it (marked as the default), moderators can cite it (the
citation says "default"), and the first version an admin publishes replaces it.

Each sentence is a message of the catalogues, so the pages show it in the reader's
language; what is cited and logged is the English text, like every citation.
"""

from __future__ import annotations

from collections.abc import Callable

from node.messages import N_

INTRO = N_("This newswire publishes news about the groups and campaigns of this node "
           "and of the nodes it follows. Its moderators check every submission against "
           "the rules below, and name the rule when they reject one.")
CLAUSES = (
    N_("Respect people. No harassment, threats, personal attacks or calls to violence."),
    N_("No hatred. Nothing that demeans people for their origin, religion, gender, "
       "sexuality, disability or age."),
    N_("Protect privacy. No home addresses, phone numbers or other private details of "
       "anyone without their consent."),
    N_("Be accurate. Send news you have good reason to believe is true, say where it "
       "comes from, and mark opinion as opinion."),
    N_("Stay on topic. No advertising, spam, or the same news sent again and again."),
    N_("Nothing unlawful. No material that may not be published where this node "
       "operates."),
)
CLOSING = N_("Moderators may shorten a title or correct a text before they publish it. "
             "Every decision is in the public moderation log.")


def default_markdown(translate: Callable[[str], str] = str) -> str:
    """The default Code of Conduct as Markdown, its clauses numbered 1, 2, ...;
    ``translate`` is a catalogue's gettext (English without one)."""
    clauses = "\n".join(f"{number}. {translate(text)}"
                        for number, text in enumerate(CLAUSES, start=1))
    return f"{translate(INTRO)}\n\n{clauses}\n\n{translate(CLOSING)}"
