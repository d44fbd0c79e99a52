"""Origins and URL parts in canonical form, used everywhere a host is compared.

Mastodon CVE-2023-42451 was a host normalisation mismatch: two spellings of one
domain were treated as different (or two domains as the same). Every comparison of
hosts in ionode goes through :func:`node.hosts.canonical_host` or :func:`origin_of`.
"""

from functools import lru_cache
from urllib.parse import urlsplit

from node.hosts import DEFAULT_PORTS as DEFAULT_PORTS
from node.hosts import BadURL as BadURL
from node.hosts import canonical_host as canonical_host

#: URLs longer than this are parsed every time rather than kept in the cache.
_CACHED_URL_LENGTH = 1024


def split_url(url: str) -> tuple[str, str, str]:
    """Return ``(scheme, canonical host[:port], path?query)`` of an absolute http(s) URL.

    Pure, so results are memoised (an inbox request splits the same few URLs ~17 times);
    a :class:`BadURL` is raised afresh each time, never cached.
    """
    if len(url) > _CACHED_URL_LENGTH:
        return _split_url(url)
    return _split_url_cached(url)


def _split_url(url: str) -> tuple[str, str, str]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BadURL(f"{url!r} is not a valid URL") from exc
    if parts.scheme not in DEFAULT_PORTS:
        raise BadURL(f"{url!r} is not an http(s) URL")
    if not parts.hostname:
        raise BadURL(f"{url!r} has no host")
    if parts.username or parts.password:
        raise BadURL(f"{url!r} carries credentials")
    raw_host = parts.hostname
    if ":" in raw_host:
        raw_host = f"[{raw_host}]"
    host = canonical_host(raw_host, port, parts.scheme)
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    return parts.scheme, host, target


_split_url_cached = lru_cache(maxsize=4096)(_split_url)


def host_of(url: str) -> str:
    """The canonical ``host[:port]`` of ``url``."""
    return split_url(url)[1]


def origin_of(url: str) -> str:
    """``scheme://canonical-host[:port]`` of ``url``: what "same origin" compares."""
    scheme, host, _ = split_url(url)
    return f"{scheme}://{host}"


def same_host(url: str, known: str) -> bool:
    """True when both URLs have the same canonical host (and port).

    ``known`` is one the caller sees again and again (an actor's id), so its split is
    memoised; ``url`` is usually new (an activity's id). When ``url`` begins with
    ``known``'s canonical ``scheme://host/`` its authority is exactly that host, so no
    parse is needed; anything else is compared the long way.
    """
    try:
        scheme, host, _ = split_url(known)
        if url.startswith(f"{scheme}://{host}/"):
            return True
        return split_url(url)[1] == host
    except BadURL:
        return False


def same_origin(a: str, b: str) -> bool:
    """True when both URLs have the same scheme, canonical host and port."""
    try:
        return origin_of(a) == origin_of(b)
    except BadURL:
        return False
