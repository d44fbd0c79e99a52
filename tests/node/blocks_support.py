"""Shared by test_blocks.py and the tests that reuse its setup."""

from __future__ import annotations

from typing import Any

from node.activitypub.vocab import PUBLIC, isoformat
from tests.fakes.remote import FakeActor
from tests.node.harness import Harness


def create(actor: FakeActor, n: int, text: str, h: Harness) -> dict[str, Any]:
    obj = {"id": f"https://{actor.host}/notes/{n}", "type": "Note", "attributedTo": actor.uri,
           "content": f"<p>{text}</p>", "to": [PUBLIC], "published": isoformat(h.now)}
    return {"id": f"https://{actor.host}/creates/{n}", "type": "Create", "actor": actor.uri,
            "object": obj, "to": [PUBLIC]}
