"""Which notice an event card carries (node.web.hub_cards.notice_kind): the page says it
in the reader's language, so it must tell the notices of this software apart and leave
any other text alone."""

from __future__ import annotations

import pytest

from node.web.hub_cards import notice_kind


@pytest.mark.parametrize(("text", "kind"), [
    ("Moved: March is now Tue, Nov 24, 6:00 PM CET", "moved"),
    ("Cancelled: Dinner, Wed, Nov 25, 1:00 PM CET", "cancelled"),
    ("Cancelled: National call, every week. There will be no further calls.", "ended"),
    ("New way to join: National call. Join: https://meet.example/x", "joining"),
    ("Movido: algo que otra instancia escribió", ""),
    ("The march moved: see below", ""),
])
def test_notice_kinds(text: str, kind: str) -> None:
    assert notice_kind(text) == kind
