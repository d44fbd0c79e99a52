"""Address policy for every outgoing request, enforced again at connect time.

SECURITY.md "Fetching": Fedify CVE-2024-39687 (DNS rebinding), CVE-2025-23221 (WebFinger
redirects), Mastodon GHSA-xfrj-c749-jxxq (IPv4 inside IPv6), Lemmy GHSA-c482-7gjx-pp36.

* :func:`check_url` -- scheme and literal-host policy, applied before every hop (so tests
  with an injected ``httpx.MockTransport`` enforce it too);
* :func:`address_problem` and :class:`RefusedAddress` -- the connect-time checks of the
  aiohttp client (:mod:`node.activitypub.transport_aiohttp`) that fetches and delivers;
* :mod:`node.activitypub.ssrf_httpcore` -- the same guard as an ``httpcore`` transport,
  kept apart so that a node does not load httpcore (~0.8 MB) it never uses;
* :class:`~node.activitypub.ssrf_blocked.BlockedAddress` -- what a refusal raises, an
  ``httpx`` error kept apart so that an idle node does not import httpx.

No proxy is ever used: with a proxy the connect-time check would see the proxy's address.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Awaitable, Callable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from urllib.parse import urlsplit

import anyio

IPAddress = IPv4Address | IPv6Address
Resolver = Callable[[str, int], Awaitable[Sequence[IPAddress]]]

# (network, why it is refused, admitted when private addresses are allowed)
_RANGES: tuple[tuple[IPv4Network | IPv6Network, str, bool], ...] = tuple(
    (ip_network(cidr), f"{why} ({cidr})", private)
    for cidr, why, private in (
        ("0.0.0.0/8", "unspecified / 'this network'", False),
        ("100.64.0.0/10", "carrier-grade NAT", False),
        ("169.254.0.0/16", "link-local, cloud metadata", False),
        ("192.0.0.0/24", "IETF protocol assignments", False),
        ("192.0.2.0/24", "documentation", False),
        ("192.88.99.0/24", "6to4 relay anycast", False),
        ("198.18.0.0/15", "benchmarking", False),
        ("198.51.100.0/24", "documentation", False),
        ("203.0.113.0/24", "documentation", False),
        ("224.0.0.0/4", "multicast", False),
        ("240.0.0.0/4", "reserved / broadcast", False),
        ("127.0.0.0/8", "loopback", True),
        ("10.0.0.0/8", "private", True),
        ("172.16.0.0/12", "private", True),
        ("192.168.0.0/16", "private", True),
        ("::/128", "unspecified", False),
        ("::1/128", "loopback", True),
        ("ff00::/8", "multicast", False),
        ("fe80::/10", "link-local", False),
        ("fec0::/10", "site-local", False),
        ("2001::/32", "Teredo", False),
        ("2001:db8::/32", "documentation", False),
        ("::/96", "IPv4-compatible (deprecated)", False),
        ("fc00::/7", "unique local", True),
    )
)
_NAT64 = IPv6Network("64:ff9b::/96")


def _embedded_v4(ip: IPv6Address) -> tuple[IPv4Address, str, bool] | None:
    """The IPv4 address inside a mapped, NAT64 or 6to4 address (GHSA-xfrj-c749-jxxq), and
    whether it is the same host (mapped) rather than a translated route (NAT64, 6to4)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped, "IPv4-mapped (::ffff:0:0/96)", True
    if ip in _NAT64:
        return IPv4Address(int(ip) & 0xFFFFFFFF), "NAT64 (64:ff9b::/96)", False
    if ip.sixtofour is not None:
        return ip.sixtofour, "6to4 (2002::/16)", False
    return None


def check_address(ip: IPAddress, *, allow_private: bool) -> str | None:
    """Why ``ip`` may not be contacted, or ``None`` when it may.

    ``allow_private`` (loopback development and test nodes) admits loopback and the
    RFC 1918 / ULA ranges, never link-local, CGNAT, multicast or unspecified addresses.
    Addresses that carry an IPv4 address are judged by it; a NAT64 or 6to4 route to a
    private or loopback IPv4 address is refused even then (it is never a real peer).
    """
    if isinstance(ip, IPv6Address):
        inner = _embedded_v4(ip)
        if inner is not None:
            embedded, label, same_host = inner
            reason = check_address(embedded, allow_private=allow_private and same_host)
            return f"{label} of {reason}" if reason else None
    for network, reason, private in _RANGES:
        if ip.version == network.version and ip in network:
            return None if private and allow_private else reason
    if not ip.is_global:
        return "not globally routable"
    return None


def check_url(url: str, *, allow_private: bool) -> str | None:
    """Why ``url`` may not be requested, or ``None``: run before every hop.

    Only ``http``/``https`` (no ``file:``, ``data:``, ``ftp:``...), no credentials, IP
    literals checked at once, ``localhost`` names only when private addresses are allowed.
    Other names are checked when the connection is made (the resolver and socket factory
    of :mod:`node.activitypub.transport_aiohttp`).
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
    except ValueError:
        return f"malformed URL {url!r}"
    if parts.scheme not in ("http", "https"):
        return f"scheme {parts.scheme!r} is not http(s)"
    host = parts.hostname
    if not host:
        return "URL has no host"
    if parts.username is not None or parts.password is not None:
        return "URL carries credentials"
    try:
        return check_address(ip_address(host), allow_private=allow_private)
    except ValueError:  # a name: refuse localhost names here, the rest at connect time
        name = host.rstrip(".")  # urlsplit lower-cases hostname
        loopback = name == "localhost" or name.endswith(".localhost")
        return f"{host!r} is a loopback name" if loopback and not allow_private else None


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    """Resolve ``host`` with the system resolver (``anyio.getaddrinfo``), order kept."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[IPAddress] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        ip = ip_address(str(sockaddr[0]).split("%", 1)[0])
        if ip not in found:
            found.append(ip)
    return found


class RefusedAddress(OSError):
    """A resolved or connected address is forbidden by the address policy.

    An ``OSError`` because that is what aiohttp expects from resolvers and sockets;
    it surfaces as ``httpx.ConnectError`` carrying this message.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(errno.EACCES, f"refused by address policy: {reason}")
        self.reason = reason


def address_problem(host: str, *, allow_private: bool) -> str | None:
    """Why the IP literal ``host`` may not be contacted (unparseable counts as refused)."""
    try:
        ip = ip_address(host.split("%", 1)[0])
    except ValueError:
        return f"{host!r} is not an IP address"
    return check_address(ip, allow_private=allow_private)
