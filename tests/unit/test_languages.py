"""The reader's language: Accept-Language parsing and Babel's negotiation (pure)."""

from __future__ import annotations

import pytest

from node.web.i18n import (
    Text,
    available_locales,
    choose_locale,
    parse_accept_language,
    translated,
    translations,
)


def test_english_and_spanish_are_shipped_english_first() -> None:
    assert available_locales()[0] == "en"
    assert "es" in available_locales()


def test_accept_language_is_ordered_by_quality_then_position() -> None:
    header = "fr;q=0.5, es-MX, en;q=0.8, de;q=0, *;q=0.1, pt;q=bad"
    assert parse_accept_language(header) == ["es-MX", "en", "fr"]


@pytest.mark.parametrize(("cookie", "header", "expected"), [
    (None, None, "en"),
    (None, "", "en"),
    (None, "es", "es"),
    (None, "es-AR,es;q=0.9,en;q=0.8", "es"),
    (None, "ES-es", "es"),
    (None, "en-GB,en;q=0.9,es;q=0.8", "en"),
    (None, "en;q=0.1, es;q=0.9", "es"),
    (None, "fr-FR, de;q=0.5", "en"),
    (None, "es;q=0", "en"),
    ("es", "en", "es"),
    ("en", "es", "en"),
    ("xx", "es", "es"),
    ("../../etc", None, "en"),
])
def test_the_cookie_wins_then_negotiation_then_english(
    cookie: str | None, header: str | None, expected: str
) -> None:
    assert choose_locale(cookie, header) == expected


def test_a_huge_header_is_cut_short() -> None:
    header = ",".join(["fr"] * 10_000 + ["es"])
    assert choose_locale(None, header) == "en"


def test_a_text_reads_as_english_and_translates_with_its_values() -> None:
    message = Text("A post can be at most %(most)d characters (this one has %(count)d).",
                   most=5000, count=5001)
    assert message == "A post can be at most 5000 characters (this one has 5001)."
    assert translated(translations("es"), message) == (
        "Una publicación puede tener como máximo 5000 caracteres (esta tiene 5001).")
    assert translated(translations("es"), "Not in the catalogue.") == "Not in the catalogue."
    assert translated(translations("es"), "Wrong username or password.") == (
        "Usuario o contraseña incorrectos.")
