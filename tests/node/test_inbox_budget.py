"""A poison activity cannot get past the inbox (issue 7, 2.1, first layer).

A signed ``Create(Note)`` whose ``tag`` was 1,000 nested arrays was answered 202 and then
could never be stored; every worker that claimed it fell. Deep nesting in any field of
an activity is now refused at the door with a JSON 400, and whatever is accepted is
processed and stored.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from node.activitypub.json_budget import MAX_DEPTH
from node.activitypub.local_actors import create_local_actor
from node.activitypub.models import InboxItem, StoredObject
from node.clock import Clock
from node.settings import Settings
from tests.node.harness import MASTO, Harness, rows, running_node
from tests.unit.json_budget_support import depth_of, nested_raw, with_raw

_items = InboxItem.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]
NOTE_FIELDS = ("tag", "attachment", "content", "contentMap", "name", "summary", "to", "cc",
               "inReplyTo", "url", "published", "replies", "icon", "proof", "@context",
               "oneOf", "sensitive", "endTime")
ACTIVITY_FIELDS = ("to", "cc", "published", "@context", "proof", "signature", "target",
                   "instrument", "object")
_serial = itertools.count()


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with running_node(settings, clock) as harness:
        with harness.node.engine.begin() as conn:
            create_local_actor(conn, base_url=settings.url, kind="person", username="nate",
                               now=clock())
        yield harness


def create_note(h: Harness, n: int) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """A Create of a Note addressed to the local ``nate``: one the node would store."""
    ana = h.remote.actors.get(f"https://{MASTO}/users/ana") or h.remote.add_actor(MASTO, "ana")
    note = {"id": f"{ana.uri}/statuses/{n}", "type": "Note", "attributedTo": ana.uri,
            "content": "hello", "published": "2026-11-21T11:00:00Z",
            "to": [f"{h.node.settings.url}/users/nate"]}
    create = {"id": f"{ana.uri}/statuses/{n}/activity", "type": "Create", "actor": ana.uri,
              "to": note["to"], "object": note}
    return ana, create, note


def test_the_poison_create_of_the_issue_is_refused_and_never_stored(h: Harness) -> None:
    ana, create, note = create_note(h, 1)
    body = with_raw(create, "object", with_raw(note, "tag", nested_raw(1000)))
    response = h.post_activity(ana, create, body=body)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert f"nested deeper than {MAX_DEPTH} levels" in response.json()["error"]
    assert rows(h, _items) == []
    # the node still takes and processes the next activity
    ana, create, _note = create_note(h, 2)
    assert h.post_activity(ana, create).status_code == 202
    h.drain()
    assert [item["state"] for item in rows(h, _items)] == ["done"]


def test_an_activity_at_the_budget_is_stored_and_reads_back(h: Harness) -> None:
    ana, create, note = create_note(h, 3)
    leaf = {"type": "Hashtag", "name": "#deep"}
    deep = nested_raw(MAX_DEPTH - 3, orjson.dumps(leaf))  # Create > Note > tag: 3 levels
    body = with_raw(create, "object", with_raw(note, "tag", deep))
    assert depth_of(orjson.loads(body)) == MAX_DEPTH
    assert h.post_activity(ana, create, body=body).status_code == 202
    h.drain()
    assert [item["state"] for item in rows(h, _items)] == ["done"]
    (stored,) = rows(h, _objects)
    assert depth_of(stored["document"]["tag"]) == MAX_DEPTH - 2


@hsettings(max_examples=60, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(where=st.sampled_from(["activity", "note"]), data=st.data(),
       depth=st.integers(1, 1100) | st.sampled_from([MAX_DEPTH - 3, MAX_DEPTH - 2, MAX_DEPTH]),
       wrap=st.sampled_from(["list", "dict"]),
       leaf=st.sampled_from([b'"x"', b"1", b"null", b"{}", b"[]", b'{"href":"h"}']))
def test_deep_nesting_in_any_field_is_never_a_500_nor_stored_past_the_budget(
        h: Harness, where: str, data: st.DataObject, depth: int, wrap: str,
        leaf: bytes) -> None:
    n = next(_serial) + 100
    ana, create, note = create_note(h, n)
    fields = NOTE_FIELDS if where == "note" else ACTIVITY_FIELDS
    field = data.draw(st.sampled_from(fields))
    deep = nested_raw(depth, leaf, wrap)
    if where == "note":
        body = with_raw(create, "object", with_raw(note, field, deep))
    else:
        body = with_raw(create, field, deep)
    total = depth + leaf.count(b"[") + leaf.count(b"{") + (2 if where == "note" else 1)
    response = h.post_activity(ana, create, body=body)
    assert response.status_code < 500, response.text
    stored = [i for i in rows(h, _items) if i["activity_id"] == create["id"]]
    if total > MAX_DEPTH:
        assert response.status_code == 400, (field, depth, response.text)
        assert response.headers["content-type"] == "application/json"
        assert stored == []
        return
    h.drain()
    for item in rows(h, _items):
        assert item["state"] in ("done", "ignored"), (field, depth, item["error"])
    for obj in rows(h, _objects):  # every stored document reads back within the budget
        assert obj["document"] is None or depth_of(obj["document"]) < MAX_DEPTH
