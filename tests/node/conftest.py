"""Fixtures shared by several node-tier test modules (the root ``tests/conftest.py`` gives
the database, settings and clock)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, insert

from node.activitypub.keys import ActorKeys, generate_actor_keys
from tests.conftest import NOW
from tests.node.delivery_support import ACTOR, BODY, Clock, Remote, World, actors, outbox
from tests.node.hub_support import MovableClock


@pytest.fixture
def moving() -> MovableClock:
    """The poll tests' clock, starting at ``NOW``."""
    return MovableClock(NOW)


@pytest.fixture(scope="module")
def keys() -> ActorKeys:
    return generate_actor_keys()


@pytest.fixture
def world(engine: Engine, keys: ActorKeys) -> Iterator[World]:
    with engine.begin() as conn:
        sender = conn.execute(insert(actors).values(
            username="portshutdown", kind="group", uri=ACTOR, display_name="Port shutdown",
            summary="", profile_fields=[], rsa_private_pem=keys.rsa_private_pem,
            rsa_public_pem=keys.rsa_public_pem, ed25519_private=keys.ed25519_private,
            ed25519_public_multibase=keys.ed25519_public_multibase, created_at=NOW,
            updated_at=NOW, manually_approves_followers=False, discoverable=True,
        ).returning(actors.c.id)).scalar_one()
        activity = conn.execute(insert(outbox).values(
            uri=f"{ACTOR}/activities/1", actor_id=sender, type="Create", public=True,
            document={}, body=BODY, published=NOW,
        ).returning(outbox.c.id)).scalar_one()
    yield World(engine, Clock(NOW), Remote(), activity, sender, keys)
