"""urls: canonical hosts, and the memoised split_url."""

from __future__ import annotations

import pytest

from node.activitypub import urls
from node.activitypub.urls import BadURL, canonical_host, split_url


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
