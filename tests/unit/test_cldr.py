"""node.web.cldr: Babel's own wording from a locale that keeps only what pages read.

The memory test failed before the lean locales: formatting dates in two languages and
three regions left about 4-6 MB of CLDR data in Babel's caches (issue 7, item 14).
"""

from __future__ import annotations

import tracemalloc
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from babel import Locale, localedata
from babel.core import get_global
from babel.dates import format_date, format_skeleton, format_time, format_timedelta
from babel.units import format_unit

from node.hubs.events.month import Month
from node.web import calendar_view, cldr, dates

MOMENTS = [datetime(2026, 12, 5, 19, 5, tzinfo=UTC), datetime(2027, 3, 1, 0, 30, tzinfo=UTC)]
DELTAS = [timedelta(minutes=-3), timedelta(hours=5), timedelta(days=-2), timedelta(days=400)]


def outputs(locale: Locale) -> list[Any]:
    """What the node asks Babel for, and a few things it does not."""
    found: list[Any] = [
        locale.first_week_day,
        locale.days["stand-alone"]["wide"][0],
        locale.months["format"]["wide"][3],
        locale.plural_form(2),
    ]
    for moment in MOMENTS:
        found += [
            format_skeleton(skeleton, moment, locale=locale)
            for skeleton in ("MMMEd", "yMMMEd", "yMMMM")
        ]
        found += [format_time(moment, width, locale=locale) for width in ("short", "medium")]
        found += [format_date(moment.date(), width, locale=locale) for width in ("full", "long")]
    for delta in DELTAS:
        found += [
            format_timedelta(
                delta, add_direction=True, threshold=1.5, granularity="minute", locale=locale
            ),
            format_timedelta(delta, format="narrow", locale=locale),
        ]
    found.append(format_unit(12, "length-meter", locale=locale))  # a part pages never read
    return found


@pytest.mark.parametrize(
    ("tag", "sep"), [("en", "_"), ("es", "_"), ("en-US", "-"), ("es-MX", "-"), ("en_GB", "_")]
)
def test_a_lean_locale_words_everything_as_babel_does(tag: str, sep: str) -> None:
    lean = cldr.locale(tag, sep=sep)
    assert isinstance(lean, Locale)
    assert str(lean) == str(Locale.parse(tag, sep=sep))
    assert outputs(lean) == outputs(Locale.parse(tag, sep=sep))


def test_a_lean_locale_holds_the_parts_pages_read_and_the_durations_only() -> None:
    cldr.locale.cache_clear()
    lean = cldr.locale("en")
    format_timedelta(timedelta(hours=-2), add_direction=True, locale=lean)
    held = set(lean._data)
    assert held <= cldr.PAGE_PARTS
    units = set(lean._data["unit_patterns"])
    assert units and all(str(unit).startswith("duration-") for unit in units)
    assert format_unit(3, "mass-kilogram", locale=lean) == "3 kilograms"  # read on demand


def test_an_unknown_part_or_locale_raises_as_babel_does() -> None:
    with pytest.raises(KeyError):
        cldr.locale("en")._data["no_such_part"]
    with pytest.raises(KeyError):  # asked again: remembered, still a KeyError
        cldr.locale("en")._data["no_such_part"]
    with pytest.raises(ValueError):
        cldr.locale("")
    from babel import UnknownLocaleError

    with pytest.raises(UnknownLocaleError):
        cldr.locale("xx")


def test_pages_in_two_languages_and_three_regions_keep_under_a_megabyte() -> None:
    """Babel's whole data of en, es and the regions stayed cached: 4-6 MB before."""
    get_global("likely_subtags")  # Babel's global tables: loaded once, not per locale
    localedata.clear_caches()
    for cached in (cldr.locale, dates._locale, calendar_view.clock):
        cached.cache_clear()
    now = datetime(2026, 12, 5, 12, tzinfo=UTC)
    tracemalloc.start()
    try:
        for lang, regions in (("en", "en-US,en-GB"), ("es", "es-MX")):
            dates.shown(
                now + timedelta(hours=3), "Europe/Madrid", lang, now, end=now + timedelta(hours=5)
            )
            for region in regions.split(","):
                calendar_view.week_locale(lang, region).first_week_day  # noqa: B018
            calendar_view.month_label(Month(2026, 12), lang)
            calendar_view.clock(19, 5, lang)
            format_date(date(2026, 12, 5), "full", locale=cldr.locale(lang))
            format_time(time(7, 0), "short", locale=cldr.locale(lang))
        held, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held < 1_000_000, f"{held / 1e6:.1f} MB of locale data kept"
