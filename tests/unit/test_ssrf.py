"""The address policy (SECURITY.md "Fetching"): every listed range, both modes."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_address

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.activitypub.ssrf import check_address, check_url

# (address, refused when private addresses are allowed too)
ALWAYS_REFUSED = [
    "0.0.0.0",
    "0.1.2.3",
    "100.64.0.1",
    "100.127.255.254",
    "169.254.169.254",
    "192.0.0.8",
    "192.0.2.1",
    "198.18.0.1",
    "198.51.100.7",
    "203.0.113.9",
    "192.88.99.1",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "::",
    "ff02::1",
    "fe80::1",
    "fec0::1",
    "2001::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "2001:db8::1",
    "::127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:100.64.0.1",
    "::ffff:0.0.0.0",
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "2002:a9fe:a9fe::",  # 6to4 of 169.254.169.254
    "64:ff9b::7f00:1",  # NAT64 of loopback: never a real peer
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:c0a8:101::",  # 6to4 of 192.168.1.1
]
PRIVATE = [
    "127.0.0.1",
    "127.1.2.3",
    "10.0.0.1",
    "10.255.255.255",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "::1",
    "fc00::1",
    "fd12:3456::1",
    "::ffff:127.0.0.1",
    "::ffff:10.1.2.3",
    "::ffff:192.168.0.1",
]
PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "172.32.0.1",  # just outside 172.16/12
    "100.128.0.1",  # just outside 100.64/10
    "11.0.0.1",
    "2606:4700:4700::1111",
    "2a00:1450:4001::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",  # NAT64 of 8.8.8.8
    "2002:808:808::",  # 6to4 of 8.8.8.8
]


@pytest.mark.parametrize("address", ALWAYS_REFUSED)
@pytest.mark.parametrize("allow_private", [False, True])
def test_always_refused(address: str, allow_private: bool) -> None:
    assert check_address(ip_address(address), allow_private=allow_private) is not None


@pytest.mark.parametrize("address", PRIVATE)
def test_private_refused_unless_allowed(address: str) -> None:
    assert check_address(ip_address(address), allow_private=False) is not None
    assert check_address(ip_address(address), allow_private=True) is None


@pytest.mark.parametrize("address", PUBLIC)
@pytest.mark.parametrize("allow_private", [False, True])
def test_public_allowed(address: str, allow_private: bool) -> None:
    assert check_address(ip_address(address), allow_private=allow_private) is None


@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("::ffff:127.0.0.1", ["IPv4-mapped", "loopback"]),
        ("64:ff9b::a00:1", ["NAT64", "10.0.0.0/8"]),
        ("2002:7f00:1::", ["6to4", "loopback"]),
        ("100.64.0.1", ["carrier-grade NAT"]),
        ("0.0.0.0", ["unspecified"]),
        ("2001::1", ["Teredo"]),
    ],
)
def test_reasons_name_the_rule(address: str, words: list[str]) -> None:
    reason = check_address(ip_address(address), allow_private=False)
    assert reason is not None
    for word in words:
        assert word in reason


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "data:application/json,{}",
        "ftp://example.com/actor",
        "gopher://example.com/",
        "javascript:alert(1)",
        "https:///no-host",
        "https://user:pass@example.com/actor",
        "https://example.com:99999/",
        "http://127.0.0.1/",
        "http://[::1]:8000/",
        "http://[::ffff:127.0.0.1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:8000/",
        "http://LOCALHOST./",
        "http://api.localhost/",
        "http://0.0.0.0:80/",
    ],
)
def test_urls_refused(url: str) -> None:
    assert check_url(url, allow_private=False) is not None


@pytest.mark.parametrize(
    "url", ["https://mastodon.social/users/ana", "http://example.com/x?y=1", "https://[2606:4700::1]/"]
)
def test_urls_allowed(url: str) -> None:
    assert check_url(url, allow_private=False) is None


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://localhost:8000/", True),
        ("http://127.0.0.2:8001/actor", True),
        ("http://[::1]:8000/", True),
        ("http://169.254.169.254/", False),
        ("http://[ff02::1]/", False),
        ("file:///etc/passwd", False),
    ],
)
def test_urls_with_private_allowed(url: str, allowed: bool) -> None:
    assert (check_url(url, allow_private=True) is None) is allowed


@given(st.ip_addresses(v=4), st.booleans())
def test_mapped_ipv4_judged_like_ipv4(ip: IPv4Address, allow_private: bool) -> None:
    """Mastodon GHSA-xfrj-c749-jxxq: ::ffff:a.b.c.d is a.b.c.d."""
    mapped = IPv6Address(f"::ffff:{ip}")
    plain = check_address(ip, allow_private=allow_private)
    assert (check_address(mapped, allow_private=allow_private) is None) == (plain is None)


@given(st.ip_addresses(v=4))
def test_translated_ipv4_never_more_permissive(ip: IPv4Address) -> None:
    """NAT64 and 6to4 forms are refused whenever the IPv4 address itself is."""
    for form in (IPv6Address(f"64:ff9b::{ip}"), IPv6Address((0x2002 << 112) | (int(ip) << 80))):
        if check_address(ip, allow_private=False) is not None:
            assert check_address(form, allow_private=True) is not None
