"""The timezone picker's choices: every name :func:`node.zones.known_zones` accepts,
grouped by the region before its first ``/`` (``America``, ``Europe``...).

The picker is a plain ``<select>`` with ``<optgroup>`` (usable without JavaScript, and
it can only send a name the node accepts); names with no region (``UTC``, ``GMT``,
``EST5EDT``...) form the last group. Built once per process: the zone list is fixed.
"""

from __future__ import annotations

from functools import cache

from node.zones import known_zones

NO_REGION = ""


@cache
def zone_groups() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(region, names) pairs, regions and names sorted; the region-less group last."""
    groups: dict[str, list[str]] = {}
    for name in known_zones():
        region, sep, _ = name.partition("/")
        groups.setdefault(region if sep else NO_REGION, []).append(name)
    regions = sorted(r for r in groups if r != NO_REGION)
    if NO_REGION in groups:
        regions.append(NO_REGION)
    return tuple((region, tuple(sorted(groups[region]))) for region in regions)


def known_zone(name: str) -> bool:
    """Whether the picker lists ``name`` (else a form keeps it as an extra option)."""
    return name in known_zones()
