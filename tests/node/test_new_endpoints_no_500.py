"""No query string answers a 500 on the pages and feeds session 6 added or changed
(Hypothesis, both backends): the directory and its Atom and iCalendar feeds, "Post
here", the compose form's ``?to=``, the keyset cursors of the timeline, the hub lists,
the news and the tags, the blocks page's ``?account=``, and the "follow a source"
form. PostgreSQL refuses a NUL in a query and text longer than a column, SQLite
neither; a cursor of another alphabet, an overlong or out-of-range one must each be a
client error or the first page, never a server error."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from node.network.directory import heard_of, learn_group
from node.settings import Settings
from tests.conftest import NOW
from tests.node.hub_pages_support import HTML, HUB, POSTS, Site, open_site

CURSORS = [
    "20261204T223000.000000Z~1",
    "00010101T000000.000000Z~1",
    "99991231T235959.999999Z~1",
    "20261204T223000.000000Z~9223372036854775807",
    "20261204T223000.000000Z~9223372036854775808",
    "abc~1",
    "~1",
    "\x00~1",
    "é~99999999999999999999",
    "0",
    "-1",
    "9" * 30,
    "1",
    "2",
    "\uff57\uff45\uff53\uff54~1",
    "x" * 351 + "~1",
    "\U0001f525~3",
    "%",
    "_",
    "\\",
    "a~b~c~1",
]
VALUE = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(max_codepoint=0x7F), max_size=40),
    st.sampled_from(
        [
            *CURSORS,
            "\x00",
            "a\x00b",
            "x" * 5000,
            "Île-de-France",
            "@a@b.example",
            "!c@lemmy.example",
            "https://philly.example/hubs/portshutdown",
            "http://127.0.0.1/",
            "update",
            "call",
            HUB,
        ]
    ),
)
PATHS = [
    "/network/directory",
    "/network/directory.atom",
    "/network/directory.ics",
    "/network/post",
    "/network/timeline",
    "/network",
    "/network/calendar",
    "/network/calendar.ics",
    f"/hubs/{HUB}",
    f"/hubs/{HUB}/updates",
    f"/hubs/{HUB}/events",
    "/news",
    "/tags/strike",
    f"/hubs/{HUB}/post/update",
    f"/hubs/{HUB}/post/call",
    f"/hubs/{HUB}/links",
    "/admin/blocks",
]
KEYS = [
    "q",
    "tag",
    "region",
    "node",
    "after",
    "before",
    "to",
    "from",
    "kind",
    "hub",
    "post_from",
    "post_kind",
    "account",
    "done",
    "saved",
]
FUZZ = hsettings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _group(n: int, region: str) -> dict[str, object]:
    uri = f"https://h{n}.example/hubs/g{n}"
    return {
        "id": uri,
        "type": "Group",
        "preferredUsername": f"g{n}",
        "name": f"Hub {n} ü",
        "summary": "<p>mission</p>",
        "url": uri,
        "location": {"type": "Place", "name": region},
        "tag": [{"type": "Hashtag", "name": f"#t{n % 3}"}],
    }


@pytest.fixture
def site(settings: Settings) -> Iterator[Site]:
    offline = httpx.MockTransport(lambda request: httpx.Response(404))
    with open_site(settings, transport=offline) as opened:
        opened.person("nate", "admin")
        opened.sign_in("nate")
        for kind in ("update", "event"):  # the hub lists' cursors meet rows too
            assert opened.send(f"/hubs/{HUB}/post/{kind}", POSTS[kind][0]).status_code == 303
        with opened.node.engine.begin() as conn:
            for n in range(25):  # more than a directory page: the cursors meet rows
                learn_group(conn, _group(n, "Île-de-France" if n % 2 else "Berlin"), NOW)
                heard_of(conn, f"https://h{n}.example/hubs/g{n}", NOW, NOW)
        yield opened


@FUZZ
@given(
    path=st.sampled_from(PATHS),
    params=st.lists(st.tuples(st.sampled_from(KEYS), VALUE), max_size=4),
)
def test_no_query_answers_500(site: Site, path: str, params: list[tuple[str, str]]) -> None:
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in params)
    response = site.client.get(f"{path}?{query}", headers=HTML)
    assert response.status_code < 500, (path, query, response.text[:300])


@FUZZ
@given(typed=VALUE)
def test_no_source_typed_answers_500(site: Site, typed: str) -> None:
    for path in (f"/hubs/{HUB}/sources/add", f"/hubs/{HUB}/sources/remove"):
        response = site.send(path, {"source": typed})
        assert response.status_code < 500, (path, typed, response.text[:300])


@pytest.mark.parametrize("raw", ["%ED%A0%80~1", "%FF%FE", "%C0%80", "%00", "%F4%90%80%80~2"])
def test_bytes_that_are_no_utf8_answer_no_500(site: Site, raw: str) -> None:
    """Percent-escapes of a surrogate, an overlong NUL or no UTF-8 at all, in every
    parameter the new pages read."""
    for path in PATHS:
        for key in ("q", "tag", "region", "node", "after", "before", "to", "account"):
            response = site.client.get(f"{path}?{key}={raw}", headers=HTML)
            assert response.status_code < 500, (path, key, raw, response.text[:300])
