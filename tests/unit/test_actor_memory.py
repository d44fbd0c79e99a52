"""The actor cache's memory (issue 7): bounded by count and by an estimate of bytes,
least recently used evicted first, entries without their documents, and the estimate an
upper bound of what the entries really take (tracemalloc)."""

from __future__ import annotations

import gc
import tracemalloc
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from node.activitypub.actor_memory import ActorMemory, Entry, KeyOwners, estimate
from node.activitypub.remote_actor import (
    ParsedActor,
    RemoteActorInfo,
    find_key,
    load_pem_cached,
    parse_actor,
)
from node.activitypub.urls import _split_url_cached
from tests.fixtures.remote.fakes import load

NOW = datetime(2026, 12, 5, tzinfo=UTC)
CY = "https://fedify.example/users/cy"
#: The recorded Fedify actor (a ``publicKey`` and an ``assertionMethod`` Multikey).
_CY_JSON = orjson.dumps(load("fedify.example/users-cy.json")).decode()


def large_document(n: int, *, summary: int = 20_000, fields: int = 8,
                   name: str = "Ana") -> dict[str, Any]:
    """Actor ``n``: the recorded one moved to its own URI and made large (a long
    ``summary``, profile fields, tags), as Mastodon profiles are."""
    uri = f"https://host{n}.example/users/u{n}"
    document: dict[str, Any] = orjson.loads(_CY_JSON.replace(CY, uri).replace(
        "https://fedify.example", f"https://host{n}.example"))
    document["name"] = name
    document["summary"] = ("<p>organizing the port, the hall, the assembly " * 500)[:summary]
    document["attachment"] = [{"type": "PropertyValue", "name": f"field {i}",
                               "value": "<a href='https://x.example'>" + "w" * 400 + "</a>"}
                              for i in range(fields)]
    document["tag"] = [{"type": "Hashtag", "name": f"#t{i}", "href": f"https://x.example/t{i}"}
                       for i in range(fields * 4)]
    return document


def parsed(document: dict[str, Any]) -> ParsedActor:
    info = parse_actor(document, document["id"])
    assert isinstance(info, ParsedActor), info
    return info


def entry(n: int, **sizes: Any) -> Entry:
    return Entry(parsed(large_document(n, **sizes)).compact(), NOW)


def test_compact_drops_the_document_and_keeps_what_lookups_read() -> None:
    full = parsed(large_document(1))
    compact = full.compact()
    assert type(compact) is RemoteActorInfo and not hasattr(compact, "document")
    assert (compact.uri, compact.inbox, compact.shared_inbox, compact.key_id) == (
        full.uri, full.inbox, full.shared_inbox, full.key_id)
    assert compact.public_keys == full.public_keys == {full.key_id: full.public_key_pem}
    assert compact.multikeys == full.multikeys and compact.multikeys
    assert full.key_id is not None
    assert find_key(compact, full.key_id, proof=False) is not None
    assert find_key(compact, next(iter(full.multikeys)), proof=True) is not None


def test_least_recently_used_is_evicted_first() -> None:
    memory = ActorMemory(max_entries=3, max_bytes=10**9)
    for uri in "abc":
        memory.put(uri, Entry(None, NOW, gone=True))
    assert memory.get("a") is not None  # now the most recently used
    memory.put("d", Entry(None, NOW, gone=True))
    assert memory.uris() == ["c", "a", "d"] and "b" not in memory
    memory.put("c", Entry(None, NOW, gone=True))  # stored again: most recent
    memory.put("e", Entry(None, NOW, gone=True))
    assert memory.uris() == ["d", "c", "e"]


def test_the_byte_budget_evicts_and_an_entry_over_it_is_not_kept() -> None:
    one = entry(1)
    size = estimate(one)
    memory = ActorMemory(max_entries=100, max_bytes=2 * size + size // 2)
    for n in range(1, 4):
        memory.put(f"u{n}", entry(n))
    assert memory.uris() == ["u2", "u3"] and memory.bytes <= memory.max_bytes
    tiny = ActorMemory(max_entries=100, max_bytes=size - 1)
    tiny.put("u1", one)
    assert len(tiny) == 0 and tiny.bytes == 0
    memory.pop("u2")
    memory.pop("nobody")
    assert memory.uris() == ["u3"] and memory.bytes == estimate(entry(3))


@settings(max_examples=40)
@given(
    budget=st.integers(min_value=1_000, max_value=120_000),
    max_entries=st.integers(min_value=1, max_value=12),
    steps=st.lists(
        st.tuples(st.sampled_from(["put", "get", "pop"]), st.integers(0, 15),
                  st.integers(0, 20_000), st.integers(0, 12),
                  st.text(min_size=0, max_size=300)),
        max_size=60),
)
def test_bounds_hold_and_order_is_lru_with_many_large_documents(
    budget: int, max_entries: int, steps: list[tuple[str, int, int, int, str]]
) -> None:
    memory = ActorMemory(max_entries=max_entries, max_bytes=budget)
    model: OrderedDict[str, int] = OrderedDict()  # uri -> estimated size, LRU first
    for op, n, summary, fields, name in steps:
        uri = f"https://host{n}.example/users/u{n}"
        if op == "put":
            new = entry(n, summary=summary, fields=fields, name=name or "x")
            model.pop(uri, None)
            if estimate(new) <= budget:
                model[uri] = estimate(new)
            while len(model) > max_entries or sum(model.values()) > budget:
                model.popitem(last=False)
            memory.put(uri, new)
            assert type(new.info) is RemoteActorInfo  # the document is not kept
        elif op == "get":
            found = memory.get(uri)
            assert (found is not None) == (uri in model)
            if uri in model:
                model.move_to_end(uri)
        else:
            memory.pop(uri)
            model.pop(uri, None)
        assert memory.uris() == list(model)
        assert memory.bytes == sum(model.values()) <= budget and len(memory) <= max_entries


def test_the_estimate_bounds_what_the_entries_really_take() -> None:
    """200 actors of about 20 KB of JSON each (about 30 KB as Python objects) go through
    memory: what stays is the compact entries, within their estimate (the loaded keys'
    OpenSSL memory, which tracemalloc cannot see, is what the estimate keeps spare)."""
    count = 200
    warm = parsed(large_document(count)).compact()  # modules loaded, memos made, first
    assert warm.key_id is not None and find_key(warm, warm.key_id, proof=False)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        memory = ActorMemory(max_entries=10_000, max_bytes=10**9)
        for n in range(count):
            document = large_document(n, name="Ωmega organizer ✊" * 10)
            assert len(orjson.dumps(document)) > 20_000
            info = parsed(document).compact()
            assert info.key_id is not None and find_key(info, info.key_id, proof=False)
            memory.put(info.uri, Entry(info, NOW))
            del document, info
        # the URL and PEM memos are global, bounded on their own, not the cache's
        _split_url_cached.cache_clear()
        load_pem_cached.cache_clear()
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(memory) == count
    assert held <= memory.bytes, (held / count, memory.bytes / count)
    assert memory.bytes / count < 8_000  # an actor of 20 KB of JSON counts for a few KB


def test_key_owners_are_bounded_by_bytes_whatever_the_key_ids_length() -> None:
    """A server made for it could list ten thousand 8 KB key ids; the memo held them all
    (up to ``memory_size`` pairs, about 160 MB) and then stopped remembering any."""
    owners = KeyOwners(max_entries=10_000, max_bytes=1024 * 1024)
    for n in range(10_000):
        owners.put(f"https://made.example/{'k' * 8_000}/{n}", f"https://made.example/u{n}")
    assert owners.bytes <= 1024 * 1024 and 100 <= len(owners) < 130
    assert owners.get("https://made.example/" + "k" * 8_000 + "/9999") == (
        "https://made.example/u9999")  # the newest are kept, not the first
    assert owners.get("https://made.example/" + "k" * 8_000 + "/0") is None


def test_key_owners_evict_the_least_recently_used_pair() -> None:
    owners = KeyOwners(max_entries=2, max_bytes=1024 * 1024)
    owners.put("https://gts.example/users/a/main-key", "https://gts.example/users/a")
    owners.put("https://gts.example/users/b/main-key", "https://gts.example/users/b")
    assert owners.get("https://gts.example/users/a/main-key")  # a is now the newest
    owners.put("https://gts.example/users/c/main-key", "https://gts.example/users/c")
    assert owners.get("https://gts.example/users/b/main-key") is None
    assert owners.get("https://gts.example/users/a/main-key") == "https://gts.example/users/a"
    owners.put("https://gts.example/users/a/main-key", "https://gts.example/users/a2")
    assert len(owners) == 2 and owners.get(
        "https://gts.example/users/a/main-key") == "https://gts.example/users/a2"
