"""Reading the calendar pages in node-tier tests: the month grid's cells and the agenda's
days, as text, with a small :mod:`html.parser` reader (no HTML library is a dependency)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Cell:
    """A ``<td>`` of the month grid or an agenda day: its date, classes and entries."""

    date: str
    classes: str = ""
    entries: list[str] = field(default_factory=list)  # each entry's visible text
    files: list[str] = field(default_factory=list)  # each entry's "add to calendar" link
    pages: list[str] = field(default_factory=list)  # each entry's title link
    struck: list[str] = field(default_factory=list)  # the titles shown struck (<s>)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: list[Cell] = []
        self.headers: list[str] = []
        self.links: dict[str, str] = {}  # link text -> href (the last one wins)
        self.caption = ""
        self._cell: Cell | None = None
        self._in: list[str] = []
        self._text: list[str] = []
        self._href = ""
        self._title = False
        self._th = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self._in.append(tag)
        if tag in ("td", "section") and ("agenda-day" in a.get("class", "") or tag == "td"):
            self._cell = Cell(date="", classes=a.get("class", ""))
            self.cells.append(self._cell)
        elif tag == "time" and self._cell is not None and not self._cell.date:
            self._cell.date = a.get("datetime", "")
        elif tag == "a":
            self._href, self._text = a.get("href", ""), []
            if "title" in a.get("class", "").split() and self._cell is not None:
                self._cell.pages.append(self._href)
                self._title = True
            if "ics" in a.get("class", "").split() and self._cell is not None:
                self._cell.files.append(self._href)
        elif tag == "th" and a.get("scope") == "col":
            self._th = True
            self.headers.append("")

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()
        if tag == "a":
            text = " ".join("".join(self._text).split())
            self.links[text] = self._href
            if self._title and self._cell is not None:
                self._cell.entries.append(text)
            self._title = False
        elif tag == "th":
            self._th = False
        elif tag in ("td", "section"):
            self._cell = None

    def handle_data(self, data: str) -> None:
        self._text.append(data)
        if "caption" in self._in:
            self.caption += data
        if self._th:
            self.headers[-1] += data.strip()
        if "s" in self._in and self._cell is not None:
            self._cell.struck.append(data.strip())


@dataclass
class Page:
    cells: list[Cell]
    headers: list[str]
    links: dict[str, str]
    caption: str

    def on(self, day: str) -> Cell:
        (found,) = [c for c in self.cells if c.date == day]
        return found

    def entries(self) -> list[tuple[str, str]]:
        """(date, entry text) of every entry, in page order."""
        return [(c.date, e) for c in self.cells for e in c.entries]


def read_page(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    return Page(reader.cells, reader.headers, reader.links, " ".join(reader.caption.split()))
