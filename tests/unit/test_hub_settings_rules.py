"""Pure rules behind the hub admin pages: the timezone picker's groups and NAME=URL links."""

from __future__ import annotations

import pytest

from node.hubs.hub.publish import HubError
from node.hubs.hub.settings import link_pair
from node.web.zone_choices import NO_REGION, known_zone, zone_groups
from node.zones import known_zones


def test_the_picker_lists_every_accepted_zone_once_grouped_by_region() -> None:
    groups = zone_groups()
    listed = [name for _, names in groups for name in names]
    assert sorted(listed) == sorted(known_zones())  # every name, none twice
    regions = [region for region, _ in groups]
    assert regions[-1] == NO_REGION and "UTC" in groups[-1][1]  # region-less last
    assert regions[:-1] == sorted(regions[:-1]) and {"America", "Europe"} <= set(regions)
    for region, names in groups[:-1]:
        assert all(name.startswith(f"{region}/") for name in names)
        assert list(names) == sorted(names)
    assert known_zone("Europe/Madrid") and not known_zone("Mars/Olympus")


@pytest.mark.parametrize(("line", "pair"), [
    ("Website=https://example.org", ("Website", "https://example.org")),
    (" Calendar = https://example.org/?a=b ", ("Calendar", "https://example.org/?a=b")),
])
def test_a_link_line_splits_at_the_first_equals_sign(line: str, pair: tuple[str, str]
                                                     ) -> None:
    assert link_pair(line) == pair


@pytest.mark.parametrize("line", ["no-equals-sign", "=https://example.org", "Name=  "])
def test_a_link_line_without_both_sides_is_refused(line: str) -> None:
    with pytest.raises(HubError, match="--link must be NAME=URL"):
        link_pair(line, "--link")
