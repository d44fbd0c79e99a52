"""The newswire's actor: ``@news``, a ``Service`` at ``/news`` (ARCHITECTURE.md section 2),
with RSA and Ed25519 keys like every local actor. Follows are open: Follow gets an
Accept at once (the protocol's follow handler; ``manually_approves_followers`` off)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from node.activitypub.keys import KeySource, generate_actor_keys
from node.activitypub.local_actors import ActorError, create_local_actor, find_by_kind
from node.activitypub.models import LocalActor

USERNAME = "news"
KIND = "newswire"
SUMMARY = ("<p>The news of this node: anyone may submit news at /news/submit; "
           "moderators check each item against the Code of Conduct.</p>")


def newswire_actor(conn: Connection, *, base_url: str, now: datetime,
                   node_name: str = "", keys: KeySource = generate_actor_keys) -> LocalActor:
    """The newswire actor, made on first use (inside the caller's transaction)."""
    found = find_by_kind(conn, KIND)
    if found is not None:
        return found
    title = f"{node_name} news" if node_name else "News"
    return create_local_actor(conn, base_url=base_url, kind=KIND, username=USERNAME,
                              display_name=title, summary=SUMMARY, now=now, keys=keys)


def ensure_newswire_actor(engine: Engine, *, base_url: str, now: datetime,
                          node_name: str = "",
                          keys: KeySource = generate_actor_keys) -> LocalActor:
    """Made at start so WebFinger answers ``acct:news@host`` from the first request; a
    process starting at the same time may win the race, whose actor is then used."""
    try:
        with engine.begin() as conn:
            return newswire_actor(conn, base_url=base_url, now=now, node_name=node_name,
                                  keys=keys)
    except (IntegrityError, ActorError):
        with engine.connect() as conn:
            found = find_by_kind(conn, KIND)
        if found is None:
            raise
        return found
