"""The in-memory part of the remote actor cache: an LRU bounded by count and by bytes.

Issue 7: the node must stay under 120 MB RSS after a burst on a Raspberry Pi, and a cache
of 10,000 actors, each holding its whole parsed JSON document (10-25 KB as JSON, about
30 KB as Python objects), could take 100-300 MB alone. Entries here are compact (see
:meth:`node.activitypub.remote_actor.ParsedActor.compact`: no document, only what the
hot paths read) and the total is bounded by an *estimate* of their bytes as well as by
their count, evicting the least recently used. The estimate is deliberately generous
(checked against tracemalloc in ``tests/unit/test_actor_memory.py``) so that the budget
is an upper bound of what the entries really take: about 4 KB for a Mastodon actor
with one key, so the default 8 MB keeps about 2,000 actors.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from sys import getsizeof
from typing import Generic, TypeVar

from node.activitypub.remote_actor import RemoteActorInfo

#: Default memory budget of the actor cache's entries (issue 7: a few MB of a 120 MB target).
DEFAULT_BUDGET = 8 * 1024 * 1024
#: Bytes an entry takes beyond its strings: the dataclass instances and their ``__dict__``,
#: the ``OrderedDict`` node, the small dicts and :func:`find_key`'s memo (about 1 KB
#: measured with tracemalloc; rounded up).
ENTRY_OVERHEAD = 1_500
#: Bytes each listed key is counted for beyond its strings: its dict slot, and the loaded
#: key object :func:`find_key` keeps (an RSA-2048 public key: about 1 KB of RSS, mostly
#: OpenSSL's, which tracemalloc does not see).
KEY_OVERHEAD = 1_200

V = TypeVar("V")


@dataclass(frozen=True)
class Entry:
    """What memory holds of an actor: ``info`` is None when it is known gone."""

    info: RemoteActorInfo | None
    fetched_at: datetime
    gone: bool = False


def _strings(info: RemoteActorInfo) -> Iterable[str | None]:
    yield from (info.uri, info.host, info.kind, info.preferred_username, info.name,
                info.inbox, info.shared_inbox, info.key_id, info.followers)
    for table in (info.public_keys, info.multikeys):
        yield from table.keys()
        yield from table.values()


def estimate(entry: Entry) -> int:
    """Bytes ``entry`` takes in memory, over-estimated (the budget is an upper bound).

    Strings are counted by :func:`sys.getsizeof` (their real size, 1 to 4 bytes a
    character); the PEM of the first key is also a value of ``public_keys``, one object
    counted once. Cheap: a few dozen calls, no walk of nested objects.
    """
    size = ENTRY_OVERHEAD
    if entry.info is not None:
        size += sum(getsizeof(s) for s in _strings(entry.info) if s)
        size += KEY_OVERHEAD * (len(entry.info.public_keys) + len(entry.info.multikeys))
    return size


class BoundedLru(Generic[V]):
    """Least-recently-used values by string key, at most ``max_entries`` of them and at
    most ``max_bytes`` by the sizes given to :meth:`put` (a value larger than the budget
    is not kept)."""

    def __init__(self, *, max_entries: int, max_bytes: int) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._entries: OrderedDict[str, tuple[V, int]] = OrderedDict()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    @property
    def bytes(self) -> int:
        """The bytes of the values held, as given to :meth:`put` (never above the budget)."""
        return self._bytes

    def get(self, key: str) -> V | None:
        """The value of ``key``, now the most recently used, or None."""
        found = self._entries.get(key)
        if found is None:
            return None
        self._entries.move_to_end(key)
        return found[0]

    def put_sized(self, key: str, value: V, size: int) -> None:
        """Keep ``value`` as the most recently used, evicting the least recently used
        until both bounds hold."""
        self.pop(key)
        if size > self.max_bytes or self.max_entries < 1:
            return
        self._entries[key] = (value, size)
        self._bytes += size
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            _, (_, evicted) = self._entries.popitem(last=False)
            self._bytes -= evicted

    def pop(self, key: str) -> None:
        """Drop ``key`` if held."""
        found = self._entries.pop(key, None)
        if found is not None:
            self._bytes -= found[1]

    def keys(self) -> list[str]:
        """The keys held, least recently used first."""
        return list(self._entries)


class ActorMemory(BoundedLru[Entry]):
    """Entries by actor URI, each counted for its :func:`estimate`."""

    def put(self, uri: str, entry: Entry) -> None:
        self.put_sized(uri, entry, estimate(entry))

    def uris(self) -> list[str]:
        """The URIs held, least recently used first."""
        return self.keys()


#: Bytes a key-owner pair is counted for beyond its two strings (the ``OrderedDict`` node
#: and the tuple that holds the owner and its size).
PAIR_OVERHEAD = 200


class KeyOwners(BoundedLru[str]):
    """Which actor owns a fragment-less key id (GoToSocial's ``.../main-key``).

    A memo of what the database also answers (``_uri_for_key``): an evicted pair costs a
    query, never a fetch. Bounded by bytes too because both strings come from other
    servers: a key id is as long as a ``Signature`` header allows, so ten thousand long
    ones from a server made for it would otherwise hold a hundred megabytes.
    """

    def put(self, key_id: str, owner: str) -> None:
        self.put_sized(key_id, owner, PAIR_OVERHEAD + getsizeof(key_id) + getsizeof(owner))
