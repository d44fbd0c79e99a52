"""urls: canonical hosts, and the memoised split_url."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.activitypub import urls
from node.activitypub.urls import host_of, same_host, split_url
from node.hosts import BadURL, canonical_host


def test_split_url_cache_returns_equal_results() -> None:
    url = "https://Mastodon.Social.:443/users/ana?page=1#main-key"
    first, again = split_url(url), split_url(url)
    assert first == again == ("https", "mastodon.social", "/users/ana?page=1")
    plain = ("https", "mastodon.social", "/users/ana")
    assert split_url("https://mastodon.social/users/ana") == plain


def test_long_urls_are_split_without_the_cache() -> None:
    url = "https://example.com/" + "a" * 2000
    before = urls._split_url_cached.cache_info().currsize
    assert split_url(url) == ("https", "example.com", "/" + "a" * 2000)
    assert urls._split_url_cached.cache_info().currsize == before


@pytest.mark.parametrize(
    "url", ["ftp://example.com/", "https:///nohost", "https://u:p@example.com/", "https://[::1"]
)
def test_bad_urls_raise_every_time(url: str) -> None:
    for _ in range(2):
        with pytest.raises(BadURL):
            split_url(url)


def test_canonical_host_ascii_and_idna() -> None:
    assert canonical_host("Mastodon.Social.") == "mastodon.social"
    assert canonical_host("bücher.example", 443) == "xn--bcher-kva.example"
    assert canonical_host("BÜCHER.example") == "xn--bcher-kva.example"
    assert canonical_host("localhost", 8000, "http") == "localhost:8000"
    assert canonical_host("[::1]", 8443) == "[::1]:8443"
    with pytest.raises(BadURL):
        canonical_host("xn--\u00e9.example")


HOSTS = st.sampled_from(["mastodon.social", "Mastodon.Social.", "example.com:8443",
                         "example.com:443", "bücher.example", "[::1]:8000", "127.0.0.1",
                         "mastodon.social@evil.example", "evil.example"])
URLS = st.builds(lambda scheme, host, path: f"{scheme}://{host}{path}",
                 st.sampled_from(["https", "http", "ftp"]), HOSTS,
                 st.sampled_from(["", "/", "/users/ana", "/a#k", "?q", "/\\@evil.example/",
                                  "\n/x", "@evil.example/"]))


@given(URLS, URLS)
def test_same_host_agrees_with_comparing_parsed_hosts(url: str, known: str) -> None:
    # The prefix shortcut must never say "same host" where parsing both would not.
    try:
        expected = host_of(url) == host_of(known)
    except BadURL:
        expected = False
    assert same_host(url, known) is expected


def test_same_host_shortcut_and_long_way() -> None:
    actor = "https://mastodon.social/users/ana"
    assert same_host("https://mastodon.social/users/ana/statuses/1", actor)
    assert same_host("https://MASTODON.social:443/x", actor)  # the long way
    assert not same_host("https://mastodon.social.evil.example/x", actor)
    assert not same_host("https://mastodon.social@evil.example/x", actor)
    assert not same_host("not a url", actor)
