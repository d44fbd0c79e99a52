"""The node's live settings and user fields: pure checks shared by /admin and the CLI."""

from __future__ import annotations

import pytest

from node.accounts.node_settings import (
    NodeSettingsError,
    check_description,
    check_name,
    check_registrations,
    summary_html,
)
from node.accounts.users import UserError, display_name_of


def test_a_name_is_collapsed_and_required() -> None:
    assert check_name("  Oakland \n GA ") == "Oakland GA"
    with pytest.raises(NodeSettingsError, match="needs a name"):
        check_name(" \t ")
    with pytest.raises(NodeSettingsError, match="at most 100"):
        check_name("x" * 101)


def test_a_description_keeps_its_lines_and_is_bounded() -> None:
    assert check_description("One\r\nTwo\n") == "One\nTwo"
    with pytest.raises(NodeSettingsError, match="at most 2000"):
        check_description("x" * 2001)


def test_registrations_are_invite_or_closed() -> None:
    assert check_registrations("closed") == "closed"
    with pytest.raises(NodeSettingsError):
        check_registrations("open")


def test_the_summary_is_escaped_paragraphs() -> None:
    assert summary_html("<b>Hi</b> & all\nline two\n\nNext") == (
        "<p>&lt;b&gt;Hi&lt;/b&gt; &amp; all<br>line two</p><p>Next</p>")
    assert summary_html("") == ""


def test_display_names_are_collapsed_and_bounded() -> None:
    assert display_name_of("  Rosa   P ") == "Rosa P"
    with pytest.raises(UserError, match="at most 200"):
        display_name_of("x" * 201)
