"""A hub's manage page shows a recurring call series as one row, not one per occurrence:
the series with its next occurrence and how many are ahead, the occurrences in a
``<details>`` (no JavaScript needed), each still with its own actions; in Spanish too."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest

from node.hubs.events.rules import EventSpec, Online
from node.hubs.events.service import create_event
from node.hubs.updates.service import post_update
from node.settings import Settings
from tests.conftest import NOW
from tests.node.hub_pages_support import HUB, MANAGE, Site, a_series, open_site, section


@pytest.fixture
def steward(settings: Settings) -> Iterator[Site]:
    with open_site(settings) as site:
        site.person("nate", "admin")
        site.sign_in("nate")
        yield site


def articles(html: str) -> list[str]:
    return re.findall(r"<article.*?</article>", html, re.DOTALL)


def rally(site: Site, days: int) -> str:
    spec = EventSpec(title="Rally", start=NOW + timedelta(days=days),
                     end=NOW + timedelta(days=days, hours=2), timezone="America/New_York",
                     location=Online("https://call.example/rally"))
    result = site.run(lambda node, conn: create_event(node, conn, author="nate", hubs=[HUB],
                                                      spec=spec))
    return str(result.object["id"])


def test_a_series_is_one_upcoming_row_with_its_next_occurrence_and_count(
        steward: Site) -> None:
    before = rally(steward, 1)
    series, first, *rest = a_series(steward)
    after = rally(steward, 30)
    upcoming = section(steward.client.get(MANAGE).text, "upcoming")
    rows = articles(upcoming)
    assert len(rows) == 3  # the rally, the series, the later rally: in order of start
    assert before in rows[0] and after in rows[2]
    group = rows[1]
    assert f'<h3><a href="{series}">National call</a></h3>' in group
    assert "Call series · next: " in group and "4 upcoming occurrences" in group
    assert "Cancel the whole series" in group
    details = re.search(r'<details class="occurrences">.*</details>', group).group(0)
    assert "<summary>Show the 4 upcoming occurrences</summary>" in details
    assert [link for link in re.findall(r'<li><a href="([^"]+)"', details)] == [first, *rest]
    assert 'value="2026-11-23T19:00"' in details  # each occurrence keeps its Move form


def test_recent_items_fold_a_series_into_one_row(steward: Site) -> None:
    series, *occurrences = a_series(steward)
    steward.run(lambda node, conn: post_update(node, conn, "nate", "Picket at 6", [HUB]))
    recent = articles(section(steward.client.get(MANAGE).text, "items"))
    assert len(recent) == 2 and "Picket at 6" in recent[0]
    assert f'<a href="{series}">National call</a>' in recent[1]
    assert "and 4 occurrences of this series" in recent[1]
    assert all(uri in recent[1] for uri in occurrences)


def test_the_grouped_row_reads_in_spanish(steward: Site) -> None:
    a_series(steward)
    page = steward.client.get(MANAGE, headers={"accept-language": "es"}).text
    upcoming, recent = section(page, "upcoming"), section(page, "items")
    assert "Serie de llamadas · próxima: " in upcoming
    assert "4 próximas sesiones" in upcoming and "Mostrar las 4 próximas sesiones" in upcoming
    assert "y 4 sesiones de esta serie" in recent


def test_event_times_read_in_the_reader_s_language(steward: Site) -> None:
    # the manage page said "Sun 22 Nov 2026, 7:00 AM to 9:00 AM" to a Spanish reader
    rally(steward, 1)  # NOW + 1 day: Sunday 22 November, 7:00-9:00 in New York
    spanish = section(steward.client.get(MANAGE, headers={"accept-language": "es"}).text,
                      "upcoming")
    assert "dom, 22 nov 2026, 7:00 \u2013 9:00 EST (America/New_York)" in spanish
    assert "Sun" not in spanish
    english = section(steward.client.get(MANAGE).text, "upcoming")
    assert "Sun, Nov 22, 2026, 7:00\u202fAM \u2013 9:00\u202fAM EST (America/New_York)" in english
