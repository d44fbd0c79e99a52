"""The federation policy: whom this node federates with (blocks and the allowlist).

ARCHITECTURE.md section 7: blocks and the allowlist are decided in ONE place, here, and
every path asks it: the inbox's door (a blocked signer gets a 403 before its key is
fetched), signed GETs (authorized fetch), the inbox worker (an activity whose actor,
object or any author inside it is refused is dropped: direct, announced, relayed,
forwarded, or an Update), the fetcher (every hop), and delivery (rows to a refused
inbox are marked failed, never sent). SECURITY.md ("Privacy and moderation", Akkoma's
Update that skipped the filters) asks for exactly that.

:meth:`Rules.refusal` is the policy function; everything else asks it about a URI, a
host or an activity. Hosts are compared in one canonical form (SECURITY.md, Mastodon
CVE-2023-42451): lower case, IDNA, no trailing dot, no port. A blocked domain covers
its subdomains. Because IDNA 2003 (Python's codec, what :func:`node.hosts.canonical_host`
uses) and IDNA 2008 with UTS #46 (the ``idna`` package, what browsers use) spell a few
names differently (``faß.de``: ``fass.de`` or ``xn--fa-hia.de``), a domain is kept in
every form it can take (:func:`domain_forms`), so both spellings match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

import idna

from node.activitypub.vocab import PUBLIC_ALIASES, ref, refs

MODES = ("open", "allowlist")
MAX_DEPTH = 4  # node Announce > hub Announce > Create > object
_ASCII_HOST = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*")
_FIELDS = ("actor", "attributedTo")
#: ``as:Public``, ``urn:...``, ``tag:...``: names that are not on any host
_NOT_ON_A_HOST = re.compile(r"[a-z][a-z0-9+.-]*:(?!//|\d)", re.IGNORECASE)


class BadDomain(ValueError):
    """The text names no domain."""


def _host_part(text: str) -> str:
    """The host of a URL, ``user@host`` or bare host, without port or trailing dots."""
    raw = text.strip()
    if "://" in raw:  # by hand, not urlsplit: this runs on every inbox request
        raw = raw.partition("://")[2]
        for end in "/?#":
            raw = raw.partition(end)[0]
    raw = raw.rpartition("@")[2].removeprefix("*.")
    if raw.startswith("["):  # an IPv6 literal keeps its brackets, loses its port
        return raw.partition("]")[0].lower() + "]"
    if raw.count(":") == 1:
        raw = raw.partition(":")[0]
    return raw.rstrip(".").rstrip("\u3002\uff0e\uff61")


def domain_forms(text: str) -> frozenset[str]:
    """Every canonical spelling of the domain ``text`` names (IDNA 2008 and 2003).

    >>> sorted(domain_forms("https://Bücher.Example.:443/x"))
    ['xn--bcher-kva.example']
    >>> sorted(domain_forms("faß.de"))
    ['fass.de', 'xn--fa-hia.de']
    """
    host = _host_part(text)
    if not host or host == "[]":
        raise BadDomain(f"{text!r} names no domain")
    if host.startswith("["):
        return frozenset({host})
    forms: set[str] = set()
    with suppress(idna.IDNAError, UnicodeError):
        forms.add(idna.encode(host, uts46=True).decode("ascii"))
    with suppress(UnicodeError):
        forms.add(host.lower().encode("idna").decode("ascii").lower())
    forms = {f.rstrip(".") for f in forms if _ASCII_HOST.fullmatch(f.rstrip("."))}
    if not forms:
        raise BadDomain(f"{text!r} is not a valid domain name")
    return frozenset(forms)


def normalise_domain(text: str) -> str:
    """The one form a domain is stored and shown in (IDNA 2008 when it has one)."""
    forms = domain_forms(text)
    try:
        preferred = idna.encode(_host_part(text), uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return min(forms)
    return preferred if preferred in forms else min(forms)


def _suffixes(host: str) -> Iterable[str]:
    """``a.b.example``, ``b.example``, ``example``: the domains a host belongs to; an IP
    address belongs to itself only (``0.0.1`` is no parent of ``127.0.0.1``)."""
    if host.startswith("[") or host.replace(".", "").isdigit():
        return (host,)
    labels = host.split(".")
    return (".".join(labels[i:]) for i in range(len(labels)))


def covered(host: str, domains: frozenset[str]) -> bool:
    """True when ``host`` (any spelling) is one of ``domains`` or a subdomain of one."""
    if not domains:
        return False
    try:
        forms = domain_forms(host)
    except BadDomain:
        return False
    return any(s in domains for form in forms for s in _suffixes(form))


@dataclass(frozen=True)
class Rules:
    """A snapshot of the policy (:mod:`node.activitypub.federation_store` loads it)."""

    mode: str = "open"
    blocked_domains: frozenset[str] = frozenset()  # every form of each blocked domain
    allowed_domains: frozenset[str] = frozenset()
    blocked_actors: frozenset[str] = frozenset()  # actor URIs, and their known inboxes
    local_host: str = ""
    version: int = 0
    _memo: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    def host_refusal(self, host: str, *, federating: bool = True) -> str | None:
        """Why this node does not talk to ``host``; None when it does.

        The allowlist governs federation (``federating``); feeds and images a hub
        subscribed to are refused only by blocks.
        """
        key = f"{federating}:{host}"
        if key not in self._memo:  # a bounded snapshot: dropped when the policy changes
            if len(self._memo) > 10_000:
                self._memo.clear()
            self._memo[key] = self._host_refusal(host, federating)
        return self._memo[key]

    def _host_refusal(self, host: str, federating: bool) -> str | None:
        if not host or covered(host, frozenset({self.local_host})):
            return None
        if covered(host, self.blocked_domains):
            return f"{_host_part(host)} is blocked by this node"
        if federating and self.mode == "allowlist" and not covered(host, self.allowed_domains):
            return f"{_host_part(host)} is not on this node's allowlist"
        return None

    def refusal(self, uri: str | None, *, federating: bool = True) -> str | None:
        """THE policy function: why ``uri`` (an actor, object, key id, inbox or bare
        host) is refused, or None. Every gate of the node asks this."""
        if not uri or uri in PUBLIC_ALIASES or ("://" not in uri
                                                and _NOT_ON_A_HOST.match(uri)):
            return None
        if uri in self.blocked_actors or uri.partition("#")[0] in self.blocked_actors:
            return f"{uri.partition('#')[0]} is blocked by this node"
        return self.host_refusal(_host_part(uri), federating=federating)

    def activity_refusal(self, activity: Mapping[str, Any], sender: str | None = None,
                         depth: int = 0) -> str | None:
        """Why an activity is refused: its sender, actor, or any actor, author or id
        inside its object, embedded activities included (an Announce of a blocked
        author's post is refused even when the announcer is allowed)."""
        found = self.refusal(sender) or self.refusal(ref(activity))
        for name in _FIELDS:
            for uri in refs(activity.get(name)):
                found = found or self.refusal(uri)
        if found or depth >= MAX_DEPTH:
            return found
        inner = activity.get("object")
        if isinstance(inner, Mapping):
            return self.activity_refusal(inner, None, depth + 1)
        return self.refusal(ref(inner))

    def document_refusal(self, document: Mapping[str, Any]) -> str | None:
        """A fetched object: its id and authors (an account block on an allowed host)."""
        return self.activity_refusal(document, None, MAX_DEPTH)
