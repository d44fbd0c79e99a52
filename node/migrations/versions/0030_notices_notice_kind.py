"""A notice's kind is recorded where it is made: ``hub_item.notice_kind``.

The short Notes that tell Mastodon readers an event moved, was cancelled, ended (a call
series) or has a new way to join now carry what they say as data (ionode's
``noticeKind`` term, and this column on each of their hub items:
:mod:`node.hubs.hub.notices`), and the hub page says it in the reader's language from
that. Before, the page guessed the kind from the English words the notice opens with.

The notices made before this revision are given their kind here, ONCE, by that old
reading of their words (the only place it still lives): a Note without a Markdown
``source`` that links somewhere (the shape of a notice) and whose text, without the
addresses it links to on lines of their own, opens with "Moved:", "New way to join:" or
"Cancelled:" (ending "There will be no further calls.": a series ended). Their stored
documents stay as they are: each is signed (FEP-8b32), and an added term would break
its proof. :func:`_plain_text`, :func:`_notice_text`, :func:`_links` and :func:`_kind`
are faithful copies of ``node.web.item_text.plain_text``, ``node.web.hub_cards``'s
``_notice_text`` and ``notice_kind``, and ``node.hubs.hub.notices.links_of`` as of
revision 0029: a migration must not import code that may change after it.

The fill walks ``hub_item`` by id in batches of :data:`BATCH` rows (a keyset), each
batch read, written and committed in a transaction of its own, as 0028 does; only
updates (and feed posts) whose kind is still "" are read, so a run stopped half-way goes
on where it stopped.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05 05:00:00
"""

import html
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
_BREAKS = re.compile(r"</p>|<br\s*/?>|</li>", re.IGNORECASE)
_HREF = re.compile(r'href="([^"]+)"')
#: the English openings the notices of this software had, and what each means
_OPENINGS = (("Moved:", "moved"), ("New way to join:", "joining"), ("Cancelled:", "cancelled"))


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if "notice_kind" not in {c["name"] for c in inspector.get_columns("hub_item")}:
        with op.batch_alter_table("hub_item", recreate="never") as batch:
            batch.add_column(sa.Column("notice_kind", sa.String(length=16), nullable=False,
                                       server_default=""))
    with op.get_context().autocommit_block():  # commits the column, then each batch
        _fill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("hub_item") as batch:
        batch.drop_column("notice_kind")


def _batches(bind: sa.Connection, query: str) -> Iterator[list[Any]]:
    """Rows of ``query`` (``:after`` is the last id done) a batch at a time, each batch
    read and written in a transaction of its own (``bind`` is in autocommit mode)."""
    after = 0
    while True:
        bind.exec_driver_sql("BEGIN")
        try:
            rows = list(bind.execute(sa.text(query), {"after": after, "batch": BATCH}).all())
            if rows:
                yield rows
        except BaseException:
            bind.exec_driver_sql("ROLLBACK")
            raise
        bind.exec_driver_sql("COMMIT")
        if len(rows) < BATCH:
            return
        after = rows[-1][0]


def _fill(bind: sa.Connection) -> None:
    """Each notice's hub items take the kind its words name."""
    for rows in _batches(
        bind,
        "SELECT i.id, o.document FROM hub_item i JOIN stored_object o"
        " ON o.uri = i.object_uri WHERE i.id > :after AND i.kind IN ('update', 'feed')"
        " AND i.notice_kind = '' AND o.type = 'Note' ORDER BY i.id LIMIT :batch",
    ):
        found = []
        for item_id, raw in rows:
            document = json.loads(raw) if isinstance(raw, str) else raw
            if isinstance(document, Mapping) and (kind := _kind_of(document)):
                found.append({"k": kind, "i": item_id})
        if found:
            bind.execute(sa.text("UPDATE hub_item SET notice_kind = :k WHERE id = :i"), found)


def _kind_of(document: Mapping[str, Any]) -> str:
    """The kind of a stored notice, read from its words; "" for any other Note."""
    links = _links(document)
    if not links:
        return ""
    text = _plain_text(str(document["content"]))
    lines = [line for line in text.split("\n") if line.strip() not in links]
    return _kind(" ".join(" ".join(lines).split()))


def _links(document: Mapping[str, Any]) -> list[str]:
    """The link targets of a Note that may be a notice: none for anything else."""
    content = document.get("content")
    if document.get("type") != "Note" or "source" in document or not isinstance(content, str):
        return []
    return [html.unescape(href) for href in _HREF.findall(content)]


def _plain_text(content: str) -> str:
    """Stored HTML as plain text: paragraphs and breaks become line ends."""
    import nh3

    text = html.unescape(nh3.clean(_BREAKS.sub("\n", content), tags=set()))
    text = "\n".join(line.strip() for line in text.split("\n")).strip()
    return re.sub(r"\n{3,}", "\n\n", text)


def _kind(text: str) -> str:
    """What a notice of this software says, read from its opening; "" for other text."""
    for opening, kind in _OPENINGS:
        if text.startswith(opening):
            if kind == "cancelled" and text.endswith("There will be no further calls."):
                return "ended"
            return kind
    return ""
