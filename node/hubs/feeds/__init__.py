"""Outside feeds (RSS, Atom, iCalendar) a hub republishes: parsing rules, fetching and
polling service, publishing entries, ``ionode feed``."""
