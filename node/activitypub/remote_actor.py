"""Remote actor documents and their keys: strict parsing, pure (no database, no I/O).

Kept apart from the cache (:mod:`node.activitypub.actors`) so that the origin rules can
be read, tested and fuzzed on their own. Origin rules (SECURITY.md "Identity and origin"):

* an actor's ``id`` equals the URL it was fetched from (Mastodon CVE-2024-23832);
* ``inbox``, ``outbox``, ``endpoints.sharedInbox``, ``followers`` and the keys are on the
  origin of ``id``; a foreign ``url`` is dropped (Misskey CVE-2024-52590);
* ``publicKey.owner`` and ``assertionMethod[].controller`` equal ``id``; ``acct:`` keyIds
  are refused (Misskey);
* a key fetched on its own (GoToSocial's ``/users/x/main-key``) only names its owner:
  the owner's actor document must list that key, and the key material is taken from the
  actor document (Fedify GHSA-q9f8-5hc7-898f, Misskey #2546).

Strings such as ``name`` and ``summary`` are stored raw (length-capped); renderers
sanitise them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from dataclasses import field as dataclass_field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from node.activitypub.fetch import same_url
from node.activitypub.keys import KeyFormatError, decode_ed25519_multikey, load_public_pem
from node.activitypub.urls import host_of, same_origin
from node.hosts import BadURL

if TYPE_CHECKING:  # cryptography loads at first use (issue 7, 1.14)
    from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

ACTOR_TYPES = frozenset({"Application", "Group", "Organization", "Person", "Service"})
MAX_URL, MAX_HOST, MAX_USERNAME, MAX_NAME, MAX_SUMMARY = 1024, 255, 255, 500, 20_000


@dataclass(frozen=True)
class RemoteActorInfo:
    """A remote actor that passed :func:`parse_actor`, without its document: what the
    actor cache keeps in memory and what its callers read (issue 7: a whole document is
    10-25 KB, and thousands of them do not fit the node's memory target).

    ``key_id`` and ``public_key_pem`` are the first ``publicKey``; ``public_keys`` all of
    them (id -> PEM), ``multikeys`` the FEP-521a ``assertionMethod`` Ed25519 keys.
    """

    uri: str
    host: str
    kind: str
    preferred_username: str
    name: str
    inbox: str
    shared_inbox: str | None
    key_id: str | None
    public_key_pem: str | None
    public_keys: dict[str, str]
    multikeys: dict[str, str]
    followers: str | None
    #: :func:`find_key`'s memo, ``(key id, proof) -> key``; the key table of a parsed actor
    #: never changes, so it is resolved once per spelling instead of once per request.
    _found_keys: dict[tuple[str, bool], PublicKeyTypes] = dataclass_field(
        default_factory=dict, init=False, repr=False, compare=False
    )


@dataclass(frozen=True)
class ParsedActor(RemoteActorInfo):
    """:func:`parse_actor`'s result: the actor and ``document``, its copy to store."""

    document: dict[str, Any] = dataclass_field(kw_only=True)

    def compact(self) -> RemoteActorInfo:
        """The actor without its document (what memory keeps; the database has the rest)."""
        return RemoteActorInfo(**{f.name: getattr(self, f.name) for f in fields(RemoteActorInfo)
                                  if f.init})


class _Invalid(ValueError):
    pass


@lru_cache(maxsize=4096)
def load_pem_cached(pem: str) -> PublicKeyTypes:
    """:func:`load_public_pem`, memoised (PEM parsing costs more than a verification)."""
    return load_public_pem(pem)


def _entries(value: Any) -> list[dict[str, Any]]:
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, dict)]


def _ref(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


def _local_url(value: Any, actor_id: str, field: str, *, required: bool = False) -> str | None:
    """``value`` (a URL or an object with ``id``) if on the actor's origin; else refuse."""
    value = _ref(value)
    if value is None and not required:
        return None
    if not isinstance(value, str) or len(value) > MAX_URL:
        raise _Invalid(f"{field} is missing or not a URL")
    if not same_origin(value, actor_id):
        raise _Invalid(f"{field} {value!r} is not on the host of {actor_id!r}")
    return value


def _check_key_id(key_id: Any, actor_id: str, field: str) -> str:
    if not isinstance(key_id, str) or len(key_id) > MAX_URL:
        raise _Invalid(f"{field} has no id")
    if key_id.startswith("acct:"):
        raise _Invalid(f"{field} id {key_id!r} is an acct: URI")
    if not same_origin(key_id, actor_id):
        raise _Invalid(f"{field} id {key_id!r} is not on the host of {actor_id!r}")
    return key_id


def public_keys(document: dict[str, Any], actor_id: str) -> dict[str, str]:
    """``publicKey`` (object or list) as key id -> PEM; refuses foreign or unowned keys."""
    keys: dict[str, str] = {}
    for entry in _entries(document.get("publicKey")):
        key_id = _check_key_id(entry.get("id"), actor_id, "publicKey")
        owner, pem = entry.get("owner"), entry.get("publicKeyPem")
        if not isinstance(owner, str) or not same_url(owner, actor_id):
            raise _Invalid(f"publicKey {key_id!r} is owned by {owner!r}, not {actor_id!r}")
        if not isinstance(pem, str):
            raise _Invalid(f"publicKey {key_id!r} has no publicKeyPem")
        try:
            load_pem_cached(pem)
        except KeyFormatError as exc:
            raise _Invalid(f"publicKey {key_id!r}: {exc}") from exc
        keys[key_id] = pem
    return keys


def assertion_multikeys(document: dict[str, Any], actor_id: str) -> dict[str, str]:
    """FEP-521a ``assertionMethod`` Ed25519 Multikeys as id -> ``publicKeyMultibase``.

    A method controlled by someone else, or on another host, refuses the actor; keys of
    other algorithms are skipped.
    """
    keys: dict[str, str] = {}
    for entry in _entries(document.get("assertionMethod")):
        if entry.get("type") != "Multikey":
            continue
        method_id = _check_key_id(entry.get("id"), actor_id, "assertionMethod")
        controller, value = entry.get("controller"), entry.get("publicKeyMultibase")
        if not isinstance(controller, str) or not same_url(controller, actor_id):
            raise _Invalid(f"assertionMethod {method_id!r} is controlled by {controller!r}")
        if not isinstance(value, str):
            continue
        try:
            decode_ed25519_multikey(value)
        except KeyFormatError:
            continue
        keys[method_id] = value
    return keys


def actor_type(document: dict[str, Any]) -> str | None:
    """The document's actor type (``type`` may be a string or a list), else None."""
    kinds = document.get("type")
    for kind in kinds if isinstance(kinds, list) else [kinds]:
        if isinstance(kind, str) and kind in ACTOR_TYPES:
            return kind
    return None


def _stored_copy(document: dict[str, Any], actor_id: str) -> dict[str, Any]:
    """The document as stored: a ``url`` naming another host dropped, long strings capped."""
    stored = dict(document)
    urls = stored.get("url")
    for url in urls if isinstance(urls, list) else [] if urls is None else [urls]:
        href = url.get("href") if isinstance(url, dict) else url
        if not isinstance(href, str) or not same_origin(href, actor_id):
            stored.pop("url")
            break
    for field, cap in (("name", MAX_NAME), ("summary", MAX_SUMMARY)):
        if isinstance(stored.get(field), str):
            stored[field] = stored[field][:cap]
    return stored


def _parse(document: dict[str, Any], fetched_url: str) -> ParsedActor:
    actor_id = document.get("id")
    if not isinstance(actor_id, str) or not same_url(actor_id, fetched_url):
        raise _Invalid(f"actor id {actor_id!r} is not the URL fetched {fetched_url!r}")
    kind = actor_type(document)
    if kind is None:
        raise _Invalid(f"type {document.get('type')!r} is not an actor type")
    host = host_of(actor_id)
    username = document.get("preferredUsername")
    if not isinstance(username, str) or not 0 < len(username) <= MAX_USERNAME:
        raise _Invalid("preferredUsername is missing or too long")
    if len(actor_id) > MAX_URL or len(host) > MAX_HOST:
        raise _Invalid("actor id is too long")
    endpoints = document.get("endpoints")
    shared = endpoints.get("sharedInbox") if isinstance(endpoints, dict) else None
    keys = public_keys(document, actor_id)
    key_id, pem = next(iter(keys.items()), (None, None))
    name = document.get("name")
    _local_url(document.get("outbox"), actor_id, "outbox")
    return ParsedActor(
        uri=actor_id,
        host=host,
        kind=kind,
        preferred_username=username,
        name=name[:MAX_NAME] if isinstance(name, str) else "",
        inbox=_local_url(document.get("inbox"), actor_id, "inbox", required=True) or "",
        shared_inbox=_local_url(shared, actor_id, "sharedInbox"),
        key_id=key_id,
        public_key_pem=pem,
        public_keys=keys,
        multikeys=assertion_multikeys(document, actor_id),
        followers=_local_url(document.get("followers"), actor_id, "followers"),
        document=_stored_copy(document, actor_id),
    )


def parse_actor(document: dict[str, Any], fetched_url: str) -> ParsedActor | str:
    """Check an actor document fetched from ``fetched_url``; a string says why refused."""
    try:
        return _parse(document, fetched_url)
    except (_Invalid, BadURL) as exc:
        return str(exc)


@dataclass(frozen=True)
class ActorKey:
    """A public key and the actor that owns it (``actor`` is None for local actors)."""

    key_id: str
    owner: str
    public_key: PublicKeyTypes
    actor: RemoteActorInfo | None


#: Spellings of key ids remembered per actor (host case variants are the same key).
_MAX_FOUND_KEYS = 16


def find_key(info: RemoteActorInfo, key_id: str, *, proof: bool) -> ActorKey | None:
    """The key ``key_id`` as listed by ``info`` (RSA ``publicKey`` unless ``proof``).

    Keys found are memoised on ``info`` (an inbox looks the same key up per request);
    a key not listed is looked for afresh each time.
    """
    memo = info._found_keys
    public_key = memo.get((key_id, proof))
    if public_key is None:
        public_key = _listed_key(info, key_id, proof=proof)
        if public_key is None:
            return None
        if len(memo) < _MAX_FOUND_KEYS:
            memo[(key_id, proof)] = public_key
    return ActorKey(key_id, info.uri, public_key, info)


def _listed_key(info: RemoteActorInfo, key_id: str, *, proof: bool) -> PublicKeyTypes | None:
    for method_id, value in info.multikeys.items():
        if same_url(method_id, key_id):
            return decode_ed25519_multikey(value)
    if proof:
        return None
    for listed_id, pem in info.public_keys.items():
        if same_url(listed_id, key_id):
            return load_pem_cached(pem)
    return None


def key_owner_hint(document: dict[str, Any], key_id: str) -> str | None:
    """Who a standalone key document says owns ``key_id`` -- a hint to verify, no more."""
    for field in ("owner", "controller"):
        if isinstance(document.get(field), str):
            return str(document[field])
    for entry in _entries(document.get("publicKey")) + _entries(document.get("assertionMethod")):
        if entry.get("id") == key_id:
            owner = entry.get("owner", entry.get("controller"))
            return owner if isinstance(owner, str) else None
    return None
