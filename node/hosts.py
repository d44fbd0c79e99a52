"""The canonical form of a host: one spelling per host, for every comparison of hosts.

Mastodon CVE-2023-42451 was a host normalisation mismatch: two spellings of one
domain were treated as different (or two domains as the same). Settings (the node's own
URL) and the protocol (every URL it meets, ``node.activitypub.urls``) both go through
:func:`canonical_host`, so this base helper sits below both.
"""

DEFAULT_PORTS = {"http": 80, "https": 443}


class BadURL(ValueError):
    """The string is not an absolute http(s) URL with a host."""


def canonical_host(host: str, port: int | None = None, scheme: str = "https") -> str:
    """Lower case, IDNA (punycode), no trailing dot, default port dropped.

    >>> canonical_host("Mastodon.Social.")
    'mastodon.social'
    >>> canonical_host("bücher.example", 443)
    'xn--bcher-kva.example'
    >>> canonical_host("localhost", 8000, "http")
    'localhost:8000'
    """
    name = host.strip().rstrip(".").lower()
    if not name:
        raise BadURL("empty host")
    if name.startswith("[") and name.endswith("]"):
        name = name  # IPv6 literal, kept bracketed
    elif not name.isascii():
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise BadURL(f"host {host!r} is not a valid IDNA name") from exc
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        return f"{name}:{port}"
    return name
