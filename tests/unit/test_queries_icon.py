"""Reading an actor's avatar from its document: AS2 allows an Image, a link or a list."""

from __future__ import annotations

from typing import Any

import pytest

from node.web.queries import icon_of


@pytest.mark.parametrize(("document", "expected"), [
    ({"icon": {"type": "Image", "url": "https://a.example/i.png"}}, "https://a.example/i.png"),
    ({"icon": "https://a.example/i.png"}, "https://a.example/i.png"),
    ({"icon": [{"type": "Image", "url": "https://a.example/1.png"},
               {"type": "Image", "url": "https://a.example/2.png"}]}, "https://a.example/1.png"),
    ({"icon": {"type": "Image", "url": {"type": "Link", "href": "https://a.example/l.png"}}},
     "https://a.example/l.png"),
    ({"icon": {"type": "Image", "url": ["https://a.example/u.png"]}}, "https://a.example/u.png"),
    ({"icon": {"type": "Image"}}, ""),
    ({"icon": 42}, ""),
    ({}, ""),
    (None, ""),
])
def test_icon_of(document: Any, expected: str) -> None:
    assert icon_of(document) == expected
