"""The pure rules of remote interaction: which subscribe templates are followed, how
``{uri}`` is filled, what counts as a handle (node tier: tests/node/test_remote_interaction.py)."""

from __future__ import annotations

from typing import Any

import pytest

from node.activitypub.remote_interaction import SUBSCRIBE_REL, fill, handle_of, subscribe_template


def jrd(*templates: object) -> dict[str, Any]:
    return {"links": [{"rel": "self", "href": "https://a.example/users/ana"},
                      *({"rel": SUBSCRIBE_REL, "template": t} for t in templates)]}


@pytest.mark.parametrize(("templates", "allow_http", "expected"), [
    (("https://a.example/x?uri={uri}",), False, "https://a.example/x?uri={uri}"),
    (("https://a.example/no-placeholder",), False, None),
    ((7, "https://b.example/{uri}"), False, "https://b.example/{uri}"),
    (("http://127.0.0.1:8080/f?u={uri}",), True, "http://127.0.0.1:8080/f?u={uri}"),
    (("http://127.0.0.1:8080/f?u={uri}",), False, None),
    (("http://public.example/f?u={uri}",), True, None),
    (("https://user:pw@a.example/{uri}",), False, None),
    (("javascript:alert(1)//{uri}",), True, None),
    (("data:text/html,{uri}",), True, None),
    (("/relative?uri={uri}",), False, None),
    (("https://a.example/\n{uri}",), False, None),
    ((), False, None),
])
def test_only_absolute_https_templates_with_a_placeholder_are_followed(
        templates: tuple[object, ...], allow_http: bool, expected: str | None) -> None:
    assert subscribe_template(jrd(*templates), allow_http=allow_http) == expected


def test_a_jrd_without_links_has_no_template() -> None:
    assert subscribe_template({"links": "nope"}, allow_http=False) is None
    assert subscribe_template({}, allow_http=False) is None


def test_the_uri_is_percent_encoded_whole() -> None:
    # As Mastodon's own remote-interaction dialog does (encodeURIComponent).
    assert fill("https://a.example/x?uri={uri}", "https://b.example/o/1?a=b&c") == (
        "https://a.example/x?uri=https%3A%2F%2Fb.example%2Fo%2F1%3Fa%3Db%26c")
    assert fill("https://a.example/x?uri={uri}", "hub@b.example:8443") == (
        "https://a.example/x?uri=hub%40b.example%3A8443")


@pytest.mark.parametrize(("typed", "expected"), [
    ("@ana@mastodon.example", ("ana", "mastodon.example")),
    (" ana@Mastodon.Example ", ("ana", "mastodon.example")),
    ("acct:ana@mastodon.example", ("ana", "mastodon.example")),
    ("ana@127.0.0.1:3000", ("ana", "127.0.0.1:3000")),
    ("ana", None), ("@ana", None), ("ana@", None), ("ana@b@c.example", None),
    ("ana@mastodon.example/x", None), ("https://mastodon.example/@ana", None),
    ("ana\u0000@mastodon.example", None), ("a" * 400 + "@mastodon.example", None),
])
def test_what_counts_as_a_handle(typed: str, expected: tuple[str, str] | None) -> None:
    assert handle_of(typed) == expected
