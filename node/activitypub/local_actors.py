"""Local actors: creation with fresh keys, lookup, and their signing material.

One username namespace covers organizers, hubs, the newswire and the node actor, so
``acct:name@host`` always names exactly one actor (ARCHITECTURE.md section 2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError

from node.activitypub.keys import (
    KeySource,
    generate_actor_keys,
    load_ed25519_private,
    load_rsa_private,
)
from node.activitypub.models import LocalActor
from node.messages import N_, Text

if TYPE_CHECKING:  # cryptography loads at first use (issue 7, 1.14)
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

ACTOR_KINDS = ("node", "person", "group", "service", "newswire")
#: kinds with exactly one actor per node, at a fixed path (ARCHITECTURE.md section 2)
SINGLE_KINDS = {"node": "actor", "newswire": "news"}
URL_PREFIX = {"person": "users", "group": "hubs", "service": "services"}
USERNAME_RE = re.compile(r"^[a-z0-9_]{1,30}$")
NODE_USERNAME = "ionode"
RESERVED = frozenset(
    {"actor", "admin", "inbox", "outbox", "login", "logout", "static", "api", "news",
     "hubs", "users", "services", "objects", "activities", "well-known", "nodeinfo",
     "root", "system", "support", "help", "about", "new", NODE_USERNAME}
)

_local_actor = LocalActor.__table__  # type: ignore[attr-defined]


class ActorError(ValueError):
    """Refused actor creation or lookup; the message is shown to the operator as is."""


def actor_uri(base_url: str, kind: str, username: str) -> str:
    """The URI of a local actor of ``kind``; the node actor is ``<base>/actor``, the
    newswire ``<base>/news``."""
    if kind in SINGLE_KINDS:
        return f"{base_url}/{SINGLE_KINDS[kind]}"
    return f"{base_url}/{URL_PREFIX[kind]}/{username}"


def validate_username(username: str, *, allow_reserved: bool = False) -> str:
    """Return the username if acceptable, else raise :class:`ActorError` saying why."""
    if not USERNAME_RE.fullmatch(username):
        raise ActorError(
            Text(N_("username %(username)s must be 1-30 characters of a-z, 0-9 and _ "
                    "(lower case)"), username=repr(username))
        )
    if username in RESERVED and not allow_reserved:
        raise ActorError(Text(N_("username %(username)s is reserved"), username=repr(username)))
    return username


def create_local_actor(
    conn: Connection,
    *,
    base_url: str,
    kind: str,
    username: str,
    now: datetime,
    display_name: str = "",
    summary: str = "",
    manually_approves_followers: bool = False,
    keys: KeySource = generate_actor_keys,
) -> LocalActor:
    """Insert a new local actor with RSA and Ed25519 keys from ``keys`` (fresh ones)."""
    if kind not in ACTOR_KINDS:
        raise ActorError(Text(N_("unknown actor kind %(kind)s"), kind=repr(kind)))
    validate_username(username, allow_reserved=kind in SINGLE_KINDS)
    if conn.execute(select(_local_actor.c.id).where(_local_actor.c.username == username)).first():
        raise ActorError(Text(
            N_("the name %(username)s is already taken on this node"),
            username=repr(username)))
    made = keys()
    values: dict[str, Any] = {
        "username": username,
        "kind": kind,
        "uri": actor_uri(base_url, kind, username),
        "display_name": display_name or username,
        "summary": summary,
        "manually_approves_followers": manually_approves_followers,
        "discoverable": True,
        "profile_fields": [],
        "rsa_private_pem": made.rsa_private_pem,
        "rsa_public_pem": made.rsa_public_pem,
        "ed25519_private": made.ed25519_private,
        "ed25519_public_multibase": made.ed25519_public_multibase,
        "created_at": now,
        "updated_at": now,
    }
    try:
        new_id = conn.execute(insert(_local_actor).values(**values)).inserted_primary_key
    except IntegrityError as exc:
        raise ActorError(Text(
            N_("the name %(username)s is already taken on this node"),
            username=repr(username))) from exc
    assert new_id is not None
    return LocalActor(id=new_id[0], **values)


def ensure_node_actor(engine: Engine, *, base_url: str, name: str, now: datetime,
                      keys: KeySource = generate_actor_keys) -> LocalActor:
    """The node's Application actor, created on first start."""
    try:
        with engine.begin() as conn:
            found = find_by_kind(conn, "node")
            if found is not None:
                return found
            return create_local_actor(
                conn, base_url=base_url, kind="node", username=NODE_USERNAME,
                display_name=name, now=now, keys=keys,
            )
    except (IntegrityError, ActorError):  # another process starting at once made it first
        with engine.connect() as conn:
            found = find_by_kind(conn, "node")
        if found is None:
            raise
        return found


def find_by_username(conn: Connection, username: str) -> LocalActor | None:
    row = conn.execute(select(_local_actor).where(_local_actor.c.username == username)).first()
    return LocalActor(**row._mapping) if row else None


def find_by_uri(conn: Connection, uri: str) -> LocalActor | None:
    row = conn.execute(select(_local_actor).where(_local_actor.c.uri == uri)).first()
    return LocalActor(**row._mapping) if row else None


def find_by_kind(conn: Connection, kind: str) -> LocalActor | None:
    row = conn.execute(select(_local_actor).where(_local_actor.c.kind == kind)).first()
    return LocalActor(**row._mapping) if row else None


@dataclass(frozen=True)
class SigningKeys:
    """Loaded private keys of a local actor (loading PEM is slow: cache these)."""

    actor_uri: str
    key_id: str
    rsa: rsa.RSAPrivateKey
    proof_method: str
    ed25519: ed25519.Ed25519PrivateKey


def signing_keys(actor: LocalActor) -> SigningKeys:
    return SigningKeys(
        actor_uri=actor.uri,
        key_id=f"{actor.uri}#main-key",
        rsa=load_rsa_private(actor.rsa_private_pem),
        proof_method=f"{actor.uri}#ed25519-key",
        ed25519=load_ed25519_private(actor.ed25519_private),
    )
