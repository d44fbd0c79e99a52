"""A number read from a URL is ASCII digits: ``str.isdigit`` is also true of "²" and
"٣", and ``int("²")`` raises, so a page that checked only ``isdigit`` answered a 500
(review of session 6). Each answers a client error instead."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from node.settings import Settings
from tests.fakes.remote import FakeFediverse
from tests.node.hub_pages_support import HTML, Site, open_site

SUPERSCRIPT_TWO = "%C2%B2"


@pytest.fixture
def site(settings: Settings) -> Iterator[Site]:
    with open_site(settings, transport=FakeFediverse().transport()) as opened:
        yield opened


@pytest.mark.parametrize(
    "path",
    [
        f"/tags/strike?before={SUPERSCRIPT_TWO}",
        f"/news/log?before={SUPERSCRIPT_TWO}",
        f"/news/network?before={SUPERSCRIPT_TWO}",
        f"/news/digests?before={SUPERSCRIPT_TWO}",
        f"/news/digests/{SUPERSCRIPT_TWO}",
        f"/news/conduct?version={SUPERSCRIPT_TWO}",
        f"/network/timeline?before=20261204T223005.000120Z~{SUPERSCRIPT_TWO}",
    ],
)
def test_a_number_of_other_digits_is_a_client_error(site: Site, path: str) -> None:
    response = site.client.get(path, headers=HTML)
    assert 400 <= response.status_code < 500, (path, response.status_code)
