"""A language's CLDR data as pages use it: the few parts they read, not all of it.

Babel keeps every locale it has loaded for the life of the process, whole: ``Locale``
objects share one dict per locale in ``babel.localedata``'s caches, merged with the
``root`` locale's, which stays cached too. The first date a page shows in English
loads about 4.8 MB of Python objects (languages, territories, currencies, units, time
zone names...), Spanish as much again, and the calendar's week start
(``Locale.first_week_day`` of the browser's ``en-US``, ``es-MX``...) one more locale for
each region asked for (issue 7, item 14: memory after a burst). Pages read ten of a
locale's 43 parts: date and time patterns, month and day names, day periods, relative
fields, plural rules, week data and the ``duration-*`` unit patterns.

:func:`locale` returns a ``babel.Locale`` whose data holds only the parts read so far.
The first part asked for loads the locale's full data once, keeps :data:`PAGE_PARTS`
(and that part) and drops the rest with Babel's own ``clear_caches``; a part no page
read before is fetched the same way when first asked for, so every Babel function
still works, it just keeps less. Outputs are Babel's own (tests/unit/test_cldr.py
compares them with a plain ``Locale``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Babel loads with the first page that shows a date (issue 7, 1.14)
    from babel import Locale

#: The parts of a locale's data that node.web.dates and the calendar views read.
PAGE_PARTS = frozenset(
    {
        "date_fields",
        "date_formats",
        "datetime_formats",
        "datetime_skeletons",
        "day_periods",
        "days",
        "eras",
        "months",
        "periods",
        "plural_form",
        "time_formats",
        "unit_patterns",
        "week_data",
    }
)


def _durations(key: Any) -> bool:
    # format_timedelta reads only ``duration-<unit>``; the other 400-odd units (length,
    # mass, volume...) are a tenth of a locale's memory.
    return str(key).startswith("duration-")


#: Parts kept in part: which of their entries are read ahead (others on demand).
_SUBSETS: dict[str, Callable[[Any], bool]] = {"unit_patterns": _durations}

#: Locales kept at once: a page's language and the regions browsers ask for.
CACHED_LOCALES = 16

_loading = threading.Lock()  # pages render in worker threads too


class _Parts(dict[Any, Any]):
    """One locale's data (or one part of it, at ``path``), entry by entry: an entry not
    held yet is read from Babel's files when first asked for."""

    def __init__(self, identifier: str, path: tuple[Any, ...] = ()) -> None:
        super().__init__()
        self._identifier, self._path = identifier, path
        self._absent: set[Any] = set()  # asked for, and not in the data: not read again

    def __missing__(self, key: Any) -> Any:
        if key in self._absent:
            raise KeyError(key)
        from babel import localedata

        with _loading:
            if key not in self and key not in self._absent:
                full: Any = localedata.load(self._identifier)  # merged with its parents
                try:
                    for step in self._path:
                        full = full[step]
                    ahead = PAGE_PARTS if not self._path else ()
                    for name in {key, *ahead}:
                        if name in full and name not in self:
                            self[name] = self._kept(name, full[name])
                    if key not in full:
                        self._absent.add(key)
                finally:
                    localedata.clear_caches()  # Babel's copy, root's included, goes
        return dict.__getitem__(self, key)  # KeyError for an entry the locale lacks

    def _kept(self, name: Any, value: Any) -> Any:
        wanted = _SUBSETS.get(name) if not self._path else None
        if wanted is None or not isinstance(value, dict):
            return value
        subset = _Parts(self._identifier, (*self._path, name))
        subset.update((k, v) for k, v in value.items() if wanted(k))
        return subset


def _lean_class() -> type[Locale]:
    from babel import Locale, localedata

    class LeanLocale(Locale):
        """A ``Locale`` over :class:`_Parts` instead of Babel's shared, whole data."""

        _parts: localedata.LocaleDataDict | None = None

        @property
        def _data(self) -> localedata.LocaleDataDict:
            if self._parts is None:
                self._parts = localedata.LocaleDataDict(_Parts(str(self)))
            return self._parts

    return LeanLocale


_lean = lru_cache(maxsize=1)(_lean_class)


@lru_cache(maxsize=CACHED_LOCALES)
def locale(identifier: str, sep: str = "_") -> Locale:
    """The locale ``identifier`` (``en``, ``es``, ``en-US`` with ``sep="-"``) for Babel's
    formatting functions; raises as ``Locale.parse`` does (``ValueError``,
    ``babel.UnknownLocaleError``)."""
    return _lean().parse(identifier, sep=sep)
