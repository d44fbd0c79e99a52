"""node.messages: a refusal is the English sentence for the CLI and keeps its msgid and
values, so a page translates it (node.web.i18n.translated) and then makes it a sentence."""

from __future__ import annotations

from babel.support import Translations

from node.messages import N_, Text, refusal
from node.web.i18n import Sentence, translated, translations


def test_a_text_reads_as_the_english_sentence_and_survives_an_exception() -> None:
    exc = ValueError(Text(N_("the name %(name)s is already taken"), name="'bob'"))
    assert str(exc) == "the name 'bob' is already taken"
    kept = refusal(exc)
    assert isinstance(kept, Text) and kept.msgid == "the name %(name)s is already taken"
    assert kept.values == {"name": "'bob'"}
    assert refusal(ValueError("plain")) == "plain" and not isinstance(
        refusal(ValueError("plain")), Text)


def test_a_sentence_is_translated_before_it_gets_its_capital_and_full_stop() -> None:
    shown = Sentence("a hub needs a title")
    assert shown == "A hub needs a title."
    assert translated(translations("es"), shown) == "Un hub necesita un título."
    assert translated(Translations(), shown) == "A hub needs a title."


def test_a_quoted_refusal_is_translated_too() -> None:
    inner = Text(N_("a hub needs a title"))
    outer = Text(N_("cannot subscribe to %(clean)s: %(exc)s"), clean="x", exc=inner)
    assert translated(translations("es"), outer) == (
        "no se puede suscribir a x: un hub necesita un título")
