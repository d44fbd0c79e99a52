"""A second identical "Follow this source", "Link a hub" or node follow submitted while
the first is still in flight (a double click, two stewards at once) is harmless: one
``follow`` row, one ``Follow`` sent, and the second gets the same clear refusal a later
submit gets ("already follows ... (pending)"), never a unique-key error (a 500 on the
page).

The race is made deterministic, without sleeps: the first transaction has read that no
follow exists, and just before it writes its row the second submit runs whole and
commits, as when both read before either wrote.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select

from node.activitypub.following import FollowTarget
from node.activitypub.models import Follow, OutboxActivity
from node.clock import Clock
from node.hubs.hub.links import LinkTarget, link
from node.hubs.hub.models import HubSource
from node.hubs.hub.publish import HubError, load_hub
from node.hubs.hub.sources import add_source, find_hub_source
from node.network.follows import follow_peer
from node.network.refusal import NetworkRefusal
from node.settings import Settings
from tests.fakes.remote import FakeFediverse
from tests.node.harness import Harness
from tests.node.hub_harness import HUB, hub_node
from tests.node.hub_pages_support import Site
from tests.node.links_page_support import remote as remote  # the fixture
from tests.node.links_page_support import site as site  # the fixture
from tests.node.network_support import add_group

_follow = Follow.__table__  # type: ignore[attr-defined]
_source = HubSource.__table__  # type: ignore[attr-defined]
_outbox = OutboxActivity.__table__  # type: ignore[attr-defined]


@contextmanager
def racing(
    engine: Engine, second: Callable[[], object], write: str = "INSERT INTO follow "
) -> Iterator[None]:
    """Run ``second`` (the other submit, committed whole) once, just before the first
    statement starting with ``write``."""
    fired: list[bool] = []

    def before(*args: Any) -> None:
        if not fired and str(args[2]).lstrip().upper().startswith(write.upper()):
            fired.append(True)
            second()

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert fired, "the second submit never ran"


def count(engine: Engine, table: Any, *where: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def follows_sent(engine: Engine) -> int:
    return count(engine, _outbox, _outbox.c.type == "Follow")


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with hub_node(settings, clock) as harness:
        yield harness


def test_two_follow_this_source_submits_at_once_follow_once(h: Harness) -> None:
    ana = h.remote.add_actor("mastodon.example", "ana")
    found = asyncio.run(find_hub_source(h.node, ana.uri))

    def submit() -> str:
        with h.node.engine.begin() as conn:
            return add_source(h.node, conn, load_hub(conn, HUB), found)

    with racing(h.node.engine, submit), pytest.raises(HubError) as second:
        submit()
    assert f"{HUB} already follows {ana.uri} (pending)" == str(second.value)
    assert count(h.node.engine, _follow, _follow.c.following == ana.uri) == 1
    assert count(h.node.engine, _source, _source.c.actor_uri == ana.uri) == 1
    assert follows_sent(h.node.engine) == 1


def test_two_link_a_hub_submits_at_once_link_once(h: Harness) -> None:
    dockers = add_group(h.remote, "oakland.example", "dockers")
    other = LinkTarget(dockers.uri, "https://oakland.example/inbox")

    def submit() -> str:
        with h.node.engine.begin() as conn:
            return link(h.node, conn, load_hub(conn, HUB), other)

    with racing(h.node.engine, submit), pytest.raises(HubError) as second:
        submit()
    assert f"{HUB} already asked to link {dockers.uri} (pending)" == str(second.value)
    assert count(h.node.engine, _follow, _follow.c.following == dockers.uri) == 1
    assert follows_sent(h.node.engine) == 1


def test_a_rejected_source_asked_again_twice_at_once_is_asked_once(h: Harness) -> None:
    ana = h.remote.add_actor("mastodon.example", "ana")
    found = asyncio.run(find_hub_source(h.node, ana.uri))

    def submit() -> str:
        with h.node.engine.begin() as conn:
            return add_source(h.node, conn, load_hub(conn, HUB), found)

    submit()
    with h.node.engine.begin() as conn:
        conn.execute(_follow.update().values(state="rejected"))
    with racing(h.node.engine, submit, write="UPDATE follow "), pytest.raises(HubError):
        submit()
    assert follows_sent(h.node.engine) == 2  # the first ask, and one ask again


def test_two_node_follows_at_once_follow_once(h: Harness) -> None:
    peer = FollowTarget("https://peer.example/actor", "https://peer.example/inbox")

    def submit() -> str:
        with h.node.engine.begin() as conn:
            return follow_peer(h.node, conn, peer, relay=False)

    with racing(h.node.engine, submit), pytest.raises(NetworkRefusal) as second:
        submit()
    assert str(second.value) == "this node already follows https://peer.example/actor (pending)"
    assert count(h.node.engine, _follow, _follow.c.following == peer.uri) == 1


def test_a_double_submitted_source_form_answers_clearly_not_500(
    site: Site, remote: FakeFediverse
) -> None:
    ana = remote.add_actor("mastodon.example", "ana")
    dockers = add_group(remote, "oakland.example", "dockers")
    site.sign_in("nate")
    asks: list[tuple[str, str, str, str, Callable[..., str]]] = [
        ("sources/add", "source", ana.uri, "already follows", add_source),
        ("links/add", "hub", dockers.uri, "already asked to link", link),
    ]
    for path, field, uri, said, ask in asks:
        with racing(site.node.engine, partial(other_submit, site, ask, uri)):
            again = site.send(f"/hubs/{HUB}/{path}", {field: uri})
        assert again.status_code == 400, again.text
        assert f"{said} {uri} (pending)" in again.text
        assert count(site.node.engine, _follow, _follow.c.following == uri) == 1


def other_submit(site: Site, ask: Callable[..., str], uri: str) -> str:
    """The other tab's submit, through the same service the page calls."""
    with site.node.engine.begin() as conn:
        inbox = f"https://{uri.split('/')[2]}/inbox"
        return ask(site.node, conn, load_hub(conn, HUB), LinkTarget(uri, inbox))
