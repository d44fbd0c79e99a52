"""ActorCache on both database backends: recorded Mastodon/GoToSocial/Fedify actors,
key lookup by fragment and standalone key documents, freshness, gone, local keys."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import anyio
import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from sqlalchemy import Engine, event, insert, select

from node.activitypub.actors import ActorCache, LookupFailed
from node.activitypub.fetch import SafeFetcher
from node.activitypub.keys import generate_actor_keys
from node.activitypub.models import LocalActor, RemoteActor
from node.activitypub.remote_actor import ActorKey, RemoteActorInfo, find_key
from node.clock import Clock
from tests.conftest import NOW
from tests.fixtures.remote.fakes import FakeRemote, load

ANA = "https://mastodon.social/users/ana"
BOB = "https://gts.example/users/bob"
CY = "https://fedify.example/users/cy"
LOCAL = "https://philly.example"

_remote_table = RemoteActor.__table__  # type: ignore[attr-defined]


class Clockwork:
    """A clock tests can move forward."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def remote() -> FakeRemote:
    fake = FakeRemote()
    fake.fixture(ANA, "mastodon.social/users-ana.json")
    fake.fixture(BOB, "gts.example/users-bob.json")
    fake.fixture(f"{BOB}/main-key", "gts.example/users-bob-main-key.json")
    fake.fixture("https://gts.example/users/eve/main-key", "gts.example/users-eve-main-key.json")
    fake.fixture(CY, "fedify.example/users-cy.json")
    return fake


def make_cache(engine: Engine, remote: FakeRemote, clock: Clock, **kwargs: Any) -> ActorCache:
    fetcher = SafeFetcher(transport=remote.transport(), allow_private=False)
    return ActorCache(engine=engine, fetcher=fetcher, clock=clock, local_origin=LOCAL, **kwargs)


@pytest.fixture
def cache(engine: Engine, remote: FakeRemote, clock: Clock) -> ActorCache:
    return make_cache(engine, remote, clock)


def info_of(result: RemoteActorInfo | LookupFailed) -> RemoteActorInfo:
    assert isinstance(result, RemoteActorInfo), result
    return result


def key_of(result: ActorKey | LookupFailed) -> ActorKey:
    assert isinstance(result, ActorKey), result
    return result


def failure(result: object) -> LookupFailed:
    assert isinstance(result, LookupFailed), result
    return result


def row(engine: Engine, uri: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(_remote_table).where(_remote_table.c.uri == uri)).first()


async def test_mastodon_actor_fetched_and_stored(cache: ActorCache, engine: Engine) -> None:
    info = info_of(await cache.actor(ANA))
    assert (info.preferred_username, info.shared_inbox) == ("ana", "https://mastodon.social/inbox")
    stored = row(engine, ANA)
    assert stored.host == "mastodon.social" and stored.kind == "Person"
    assert stored.key_id == f"{ANA}#main-key" and stored.public_key_pem == info.public_key_pem
    assert stored.inbox == f"{ANA}/inbox" and not stored.gone
    assert stored.document["preferredUsername"] == "ana"


async def test_key_by_fragment_id(cache: ActorCache, remote: FakeRemote) -> None:
    key = key_of(await cache.key(f"{ANA}#main-key"))
    assert key.owner == ANA and isinstance(key.public_key, rsa.RSAPublicKey)
    assert key.actor is not None and key.actor.uri == ANA
    assert remote.hits(ANA) == 1


async def test_cache_hit_does_not_refetch(
    cache: ActorCache, remote: FakeRemote, engine: Engine, clock: Clock
) -> None:
    await cache.actor(ANA)
    key_of(await cache.key(f"{ANA}#main-key"))
    info_of(await cache.actor(ANA))
    assert remote.hits(ANA) == 1
    fresh_process = make_cache(engine, remote, clock)  # empty memory: the database answers
    key_of(await fresh_process.key(f"{ANA}#main-key"))
    info_of(await fresh_process.actor(ANA))
    assert remote.hits(ANA) == 1


async def test_refresh_refetches(cache: ActorCache, remote: FakeRemote, engine: Engine) -> None:
    await cache.actor(ANA)
    changed = remote.fixture(ANA, "mastodon.social/users-ana.json")
    changed["name"] = "Ana (moved)"
    remote.json(ANA, changed)
    assert info_of(await cache.actor(ANA, refresh=True)).name == "Ana (moved)"
    key_of(await cache.key(f"{ANA}#main-key", refresh=True))
    assert remote.hits(ANA) == 3
    assert row(engine, ANA).display_name == "Ana (moved)"


async def test_stale_entries_refetched(engine: Engine, remote: FakeRemote) -> None:
    clock = Clockwork()
    cache = make_cache(engine, remote, clock, refresh_after=timedelta(hours=1))
    await cache.actor(ANA)
    clock.now += timedelta(minutes=59)
    await cache.actor(ANA)
    assert remote.hits(ANA) == 1
    clock.now += timedelta(minutes=2)
    await cache.actor(ANA)
    assert remote.hits(ANA) == 2


async def test_stale_copy_served_while_origin_is_down(engine: Engine, remote: FakeRemote) -> None:
    clock = Clockwork()
    cache = make_cache(engine, remote, clock, refresh_after=timedelta(hours=1))
    await cache.actor(ANA)
    clock.now += timedelta(hours=2)
    remote.status(ANA, 503)
    assert info_of(await cache.actor(ANA)).uri == ANA
    assert remote.hits(ANA) == 2


async def test_unknown_fragment_key_refetches_once(cache: ActorCache, remote: FakeRemote) -> None:
    await cache.actor(ANA)
    result = failure(await cache.key(f"{ANA}#other-key"))
    assert "does not list" in result.reason and not result.retryable
    assert remote.hits(ANA) == 2


async def test_gotosocial_standalone_key(cache: ActorCache, remote: FakeRemote) -> None:
    key = key_of(await cache.key(f"{BOB}/main-key"))
    assert key.owner == BOB and key.actor is not None
    assert remote.hits(f"{BOB}/main-key") == 1 and remote.hits(BOB) == 1
    key_of(await cache.key(f"{BOB}/main-key"))  # now cached by key id
    assert remote.hits(f"{BOB}/main-key") == 1 and remote.hits(BOB) == 1


async def test_a_forgotten_key_owner_is_found_in_the_database_not_fetched(
    engine: Engine, remote: FakeRemote, clock: Clock
) -> None:
    """The key-owner memo is bounded; what it cannot hold the stored actor row answers."""
    cache = make_cache(engine, remote, clock, memory_bytes=800)  # memory holds nothing
    key_of(await cache.key(f"{BOB}/main-key"))
    key = key_of(await cache.key(f"{BOB}/main-key"))
    assert key.owner == BOB and remote.hits(f"{BOB}/main-key") == 1 and remote.hits(BOB) == 1


async def test_key_document_whose_owner_does_not_list_it_refused(
    cache: ActorCache, remote: FakeRemote
) -> None:
    """Fedify GHSA-q9f8-5hc7-898f: the owner named by a key document must list the key."""
    result = failure(await cache.key("https://gts.example/users/eve/main-key"))
    assert "does not list" in result.reason and not result.retryable
    assert remote.hits(BOB) == 1


async def test_key_document_pem_is_never_used(cache: ActorCache, remote: FakeRemote) -> None:
    """Only the actor document's key material counts, not the stub's."""
    stub = remote.fixture(f"{BOB}/main-key", "gts.example/users-bob-main-key.json")
    stub["publicKey"]["publicKeyPem"] = remote.fixture(ANA, "mastodon.social/users-ana.json")[
        "publicKey"
    ]["publicKeyPem"]
    remote.json(f"{BOB}/main-key", stub)
    key = key_of(await cache.key(f"{BOB}/main-key"))
    bob = info_of(await cache.actor(BOB))
    assert key.public_key == rsa_key(bob.public_key_pem)


def rsa_key(pem: str | None) -> Any:
    from node.activitypub.keys import load_public_pem

    assert pem is not None
    return load_public_pem(pem)


async def test_key_document_owner_on_another_host_refused(
    cache: ActorCache, remote: FakeRemote
) -> None:
    key_id = "https://gts.example/keys/1"
    remote.json(key_id, {"id": key_id, "type": "Key", "owner": ANA, "publicKeyPem": "x"})
    assert "owner" in failure(await cache.key(key_id)).reason
    assert remote.hits(ANA) == 0


async def test_inbox_on_another_host_refused(cache: ActorCache, remote: FakeRemote) -> None:
    document = remote.fixture(ANA, "mastodon.social/users-ana.json")
    document["inbox"] = "https://evil.example/inbox"
    remote.json(ANA, document)
    result = failure(await cache.actor(ANA))
    assert "inbox" in result.reason and not result.retryable
    assert isinstance(await cache.key(f"{ANA}#main-key"), LookupFailed)


async def test_redirect_to_another_actor_refused(cache: ActorCache, remote: FakeRemote) -> None:
    alias = "https://mastodon.social/@ana"
    remote.redirect(alias, ANA)
    assert "another actor" in failure(await cache.actor(alias)).reason


async def test_gone_actor_marked_and_not_refetched(
    cache: ActorCache, remote: FakeRemote, engine: Engine, clock: Clock
) -> None:
    await cache.actor(ANA)
    remote.status(ANA, 410)
    result = failure(await cache.actor(ANA, refresh=True))
    assert "gone" in result.reason and not result.retryable
    assert row(engine, ANA).gone
    failure(await cache.actor(ANA))
    failure(await cache.key(f"{ANA}#main-key"))
    assert remote.hits(ANA) == 2
    failure(await make_cache(engine, remote, clock).key(f"{ANA}#main-key"))
    assert remote.hits(ANA) == 2


async def test_network_failure_is_retryable(cache: ActorCache, remote: FakeRemote) -> None:
    remote.status(ANA, 503)
    assert failure(await cache.key(f"{ANA}#main-key")).retryable
    remote.status(ANA, 404)
    assert not failure(await cache.key(f"{ANA}#main-key")).retryable


async def test_forget_sends_the_next_lookup_to_the_network(
    cache: ActorCache, remote: FakeRemote
) -> None:
    await cache.actor(ANA)
    cache.forget(ANA)
    await cache.actor(ANA)
    await cache.actor(ANA)
    assert remote.hits(ANA) == 2


async def test_proof_key_from_assertion_method(cache: ActorCache) -> None:
    key = key_of(await cache.proof_key(f"{CY}#ed25519-key"))
    assert key.owner == CY and isinstance(key.public_key, ed25519.Ed25519PublicKey)
    assert isinstance(key_of(await cache.key(f"{CY}#ed25519-key")).public_key,
                      ed25519.Ed25519PublicKey)
    assert "does not list" in failure(await cache.proof_key(f"{CY}#main-key")).reason


@pytest.mark.parametrize("key_id", ["acct:ana@mastodon.social", "data:,x", "not a url"])
async def test_non_http_key_ids_refused(cache: ActorCache, remote: FakeRemote, key_id: str) -> None:
    assert not failure(await cache.key(key_id)).retryable
    assert remote.requests == []


async def test_memory_is_bounded(engine: Engine, remote: FakeRemote, clock: Clock) -> None:
    cache = make_cache(engine, remote, clock, memory_size=1)
    await cache.actor(ANA)
    await cache.actor(BOB)
    info_of(await cache.actor(ANA))  # evicted from memory, still fresh in the database
    assert remote.hits(ANA) == 1


def another_ana(remote: FakeRemote, n: int) -> str:
    """Ana's recorded document served again as the actor ``u{n}`` (same host)."""
    uri = f"https://mastodon.social/users/u{n}"
    recorded = orjson.dumps(load("mastodon.social/users-ana.json")).decode()
    remote.json(uri, orjson.loads(recorded.replace(ANA, uri)))
    return uri


async def test_a_recently_used_key_stays_in_memory_under_the_byte_budget(
    engine: Engine, remote: FakeRemote, clock: Clock
) -> None:
    """Issue 7: memory holds a few KB per actor up to ``memory_bytes``; the key of a sender
    seen all along stays a memory hit (no statement) while 40 other actors pass through,
    and the least recently used go back to the database."""
    cache = make_cache(engine, remote, clock, memory_bytes=40_000)  # about 8 such actors
    others = [another_ana(remote, n) for n in range(40)]
    key_of(await cache.key(f"{ANA}#main-key"))
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        for uri in others:
            info_of(await cache.actor(uri))
            before = len(statements)
            assert key_of(await cache.key(f"{ANA}#main-key")).owner == ANA
            assert len(statements) == before, statements[before:]
        before = len(statements)
        assert info_of(await cache.actor(others[0])).uri == others[0]  # evicted: read back
        assert len(statements) > before
        before = len(statements)
        info_of(await cache.actor(others[-1]))  # the most recent of them: still in memory
        assert len(statements) == before
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert remote.hits(ANA) == 1 and all(remote.hits(uri) == 1 for uri in others)


def add_local_actor(engine: Engine, uri: str, *, deleted: bool = False) -> Any:
    keys = generate_actor_keys()
    with engine.begin() as conn:
        conn.execute(insert(LocalActor.__table__).values(  # type: ignore[attr-defined]
            username=uri.rsplit("/", 1)[1], kind="person", uri=uri, display_name="Nate",
            summary="", manually_approves_followers=False, discoverable=True,
            profile_fields=[], rsa_private_pem=keys.rsa_private_pem,
            rsa_public_pem=keys.rsa_public_pem, ed25519_private=keys.ed25519_private,
            ed25519_public_multibase=keys.ed25519_public_multibase,
            created_at=NOW, updated_at=NOW, deleted_at=NOW if deleted else None,
        ))
    return keys


async def test_local_keys_come_from_the_database(
    cache: ActorCache, remote: FakeRemote, engine: Engine
) -> None:
    nate = f"{LOCAL}/users/nate"
    keys = add_local_actor(engine, nate)
    add_local_actor(engine, f"{LOCAL}/users/gone", deleted=True)
    rsa_key_ = key_of(await cache.key(f"{nate}#main-key"))
    assert rsa_key_.owner == nate and rsa_key_.actor is None
    assert isinstance(rsa_key_.public_key, rsa.RSAPublicKey)
    from node.activitypub.keys import public_pem

    assert public_pem(rsa_key_.public_key) == keys.rsa_public_pem
    proof = key_of(await cache.proof_key(f"{nate}#ed25519-key"))
    assert isinstance(proof.public_key, ed25519.Ed25519PublicKey)
    failure(await cache.proof_key(f"{nate}#main-key"))
    failure(await cache.key(f"{nate}#other"))
    failure(await cache.key(f"{LOCAL}/users/gone#main-key"))
    failure(await cache.key(f"{LOCAL}/users/nobody#main-key"))
    assert remote.requests == []


async def test_upsert_updates_the_one_row(cache: ActorCache, engine: Engine) -> None:
    await cache.actor(ANA)
    await cache.actor(ANA, refresh=True)
    with engine.connect() as conn:
        count = conn.execute(select(_remote_table.c.id).where(_remote_table.c.uri == ANA)).all()
    assert len(count) == 1


async def test_key_url_answering_with_the_actor_is_not_fetched_twice(
    cache: ActorCache, remote: FakeRemote
) -> None:
    remote.redirect(f"{BOB}/main-key", BOB)
    key_of(await cache.key(f"{BOB}/main-key"))
    assert remote.hits(BOB) == 1


async def test_forgotten_gone_actor_stays_gone(cache: ActorCache, remote: FakeRemote) -> None:
    await cache.actor(ANA)
    remote.status(ANA, 410)
    cache.forget(ANA)  # e.g. after a Delete of the actor
    failure(await cache.actor(ANA))
    failure(await cache.actor(ANA))
    assert remote.hits(ANA) == 2


async def test_concurrent_cold_lookups_share_one_fetch(
    cache: ActorCache, remote: FakeRemote
) -> None:
    """Requests arriving together for an uncached actor wait on its lock for one fetch."""
    results: list[ActorKey | LookupFailed] = []

    async def look_up() -> None:
        results.append(await cache.key(f"{ANA}#main-key"))

    async with anyio.create_task_group() as group:
        for _ in range(30):
            group.start_soon(look_up)
    assert len(results) == 30 and all(isinstance(result, ActorKey) for result in results)
    assert remote.hits(ANA) == 1


async def test_uncached_actor_without_the_key_is_fetched_once(
    cache: ActorCache, remote: FakeRemote
) -> None:
    result = failure(await cache.key(f"{ANA}#other-key"))
    assert "does not list" in result.reason and not result.retryable
    assert remote.hits(ANA) == 1


async def test_found_keys_are_memoised_per_actor(cache: ActorCache, remote: FakeRemote) -> None:
    first = key_of(await cache.key(f"{ANA}#main-key"))
    again = key_of(await cache.key(f"{ANA}#main-key"))
    assert first.public_key is again.public_key and first == again
    assert remote.hits(ANA) == 1
    assert first.actor is not None
    assert find_key(first.actor, f"{ANA}#other-key", proof=False) is None
    spelled = find_key(first.actor, "https://Mastodon.Social/users/ana#main-key", proof=False)
    assert spelled is not None and spelled.public_key is first.public_key
    assert spelled.key_id == "https://Mastodon.Social/users/ana#main-key"


async def test_only_the_newest_forgotten_actors_are_kept(
    engine: Engine, remote: FakeRemote, clock: Clock
) -> None:
    # The list of actors to fetch again is bounded like the memory: once two more were
    # forgotten after it, ANA's next lookup reads its stored row instead of the network
    # (a Delete of the actor marks that row gone, so nothing stale is served).
    cache = make_cache(engine, remote, clock, memory_size=2)
    await cache.actor(ANA)
    cache.forget(ANA)
    cache.forget("https://masto.example/users/gone1")
    cache.forget("https://masto.example/users/gone2")
    await cache.actor(ANA)
    assert remote.hits(ANA) == 1
