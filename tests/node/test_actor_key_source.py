"""Where a node's new actors get their keys (``Settings.actor_keys``, issue 7's suite time).

Production nodes make fresh RSA-2048 and Ed25519 keys for every actor; nothing a node
reads at start (environment, node.json) can change that. The tests hand their in-process
nodes a :class:`tests.actor_keys.KeyPool`: every actor of one test gets keys of its own,
and the next test gets the same keys again instead of paying ~45 ms of CPU for each.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sqlalchemy import select
from starlette.testclient import TestClient

from node.activitypub.keys import ActorKeys
from node.activitypub.models import LocalActor
from node.app import create_app
from node.hubs.hub.service import create_hub
from node.settings import Settings
from tests.actor_keys import KeyPool
from tests.conftest import NOW

_actor = LocalActor.__table__  # type: ignore[attr-defined]


def test_a_pool_gives_each_actor_of_a_test_its_own_keys_and_the_next_test_the_same() -> None:
    made: list[ActorKeys] = []
    first = KeyPool(made)
    one, two, three = first(), first(), first()
    assert len({one.rsa_private_pem, two.rsa_private_pem, three.rsa_private_pem}) == 3
    assert len({one.ed25519_private, two.ed25519_private, three.ed25519_private}) == 3
    second = KeyPool(made)  # the next test
    assert (second(), second()) == (one, two) and len(made) == 3
    assert second() == three and second() not in (one, two, three) and len(made) == 4


def test_nothing_a_node_reads_at_start_chooses_its_keys(tmp_path: Path) -> None:
    env = {"IONODE_URL": "https://philly.example", "IONODE_DATA": str(tmp_path),
           "IONODE_ACTOR_KEYS": "pool", "IONODE_SECRET_KEY": "k"}
    (tmp_path / "node.json").write_text('{"actor_keys": "pool"}')
    assert Settings.from_env(env).actor_keys is None


def test_a_node_makes_its_actors_keys_with_the_source_it_was_given(
        settings: Settings) -> None:
    made: list[ActorKeys] = []
    app = create_app(replace(settings, actor_keys=KeyPool(made)), start_workers=False)
    with TestClient(app):  # the start makes the node's and the newswire's actors
        node = app.state.node
        with node.engine.begin() as conn:
            create_hub(conn, base_url=settings.url, name="dockers", title="Dockers", now=NOW,
                       keys=node.actor_keys)
            pems = conn.execute(select(_actor.c.username, _actor.c.rsa_private_pem)
                                .order_by(_actor.c.id)).all()
    assert [name for name, _ in pems] == ["ionode", "news", "dockers"]
    assert [pem for _, pem in pems] == [keys.rsa_private_pem for keys in made]


def test_a_node_without_a_source_makes_fresh_keys(settings: Settings) -> None:
    app = create_app(replace(settings, actor_keys=None), start_workers=False)
    with TestClient(app), app.state.node.engine.connect() as conn:
        pems = conn.execute(select(_actor.c.rsa_private_pem)).scalars().all()
    assert len(pems) == 2 and len(set(pems)) == 2
    assert all(pem.startswith("-----BEGIN PRIVATE KEY-----") for pem in pems)
