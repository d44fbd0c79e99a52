"""One rule for timezone names (node.zones): the node's, a hub's, an event's, a feed's."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import available_timezones

import pytest

from node.hubs.events.rules import EventSpec, Place, check, spec_from_document
from node.hubs.hub.publish import HubError
from node.hubs.hub.settings import hub_zone
from node.settings import Settings, SettingsError
from node.zones import ZoneError, check_zone, known_zones, zone, zone_or_utc

#: Entries of a system zoneinfo directory that ZoneInfo opens but are not IANA names.
ALIASES = ["posixrules", "right/UTC", "posix/Europe/Madrid", "right/Europe/Madrid", "localtime"]


def test_the_accepted_names_are_the_iana_list_without_the_aliases() -> None:
    expected = {name for name in available_timezones()
                if not name.startswith(("posix/", "right/"))
                and name not in {"posixrules", "localtime"}}
    assert known_zones() == expected
    assert {"UTC", "Europe/Madrid", "America/New_York", "Asia/Kolkata"} <= known_zones()


@pytest.mark.parametrize("name", ALIASES)
def test_aliases_are_refused_everywhere_alike(name: str) -> None:
    with pytest.raises(ZoneError, match="unknown timezone"):
        zone(name)
    with pytest.raises(ZoneError, match="unknown timezone"):
        check_zone(name)
    with pytest.raises(HubError, match="unknown timezone"):  # a hub's setting
        hub_zone(name)
    with pytest.raises(SettingsError, match="IONODE_TIMEZONE: unknown timezone"):
        Settings.from_env({"IONODE_TIMEZONE": name})
    start = datetime(2026, 12, 12, 19, tzinfo=UTC)
    event = EventSpec(title="Rally", start=start, end=start.replace(hour=21), timezone=name,
                      location=Place("Plaza", ""))
    with pytest.raises(ZoneError, match="unknown timezone"):  # an event's
        check(event)
    assert zone_or_utc(name) == zone("UTC")  # a remote document's optional TZID


@pytest.mark.parametrize("name", ["Europe/Madrid", "UTC", "America/Argentina/Buenos_Aires"])
def test_iana_names_are_accepted_everywhere_alike(name: str) -> None:
    assert check_zone(f" {name} ") == name
    assert hub_zone(name) == name
    assert Settings.from_env({"IONODE_TIMEZONE": name}).timezone == name
    assert zone_or_utc(name) == zone(name)


def test_a_remote_event_in_an_alias_zone_is_read_in_utc() -> None:
    doc = {"type": "Event", "name": "Rally", "timezone": "right/UTC",
           "startTime": "2026-12-12T19:00:00", "endTime": "2026-12-12T21:00:00"}
    spec = spec_from_document(doc)
    assert spec.start == datetime(2026, 12, 12, 19, tzinfo=UTC)
