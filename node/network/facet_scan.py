"""The distinct values of an indexed column, a few index seeks each ("loose index scan").

``SELECT DISTINCT region`` reads every row (10,000 hubs: most of the directory page's
time) on SQLite and on PostgreSQL, neither of which skips through an index by itself.
The recursive query here asks the index for the next value after the last one found,
once per value it returns, so the filters' lists cost ``limit`` seeks whatever the
number of rows (the PostgreSQL wiki's "Loose indexscan" recipe; SQLite's
``WITH RECURSIVE`` runs it as written).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

_NAMES = frozenset(
    {
        ("network_hub_tag", "tag", ""),
        ("network_hub", "region", "refreshed_at IS NOT NULL AND region <> ''"),
        ("network_hub", "host", "refreshed_at IS NOT NULL"),
    }
)


def distinct_values(conn: Connection, table: str, column: str, where: str, limit: int) -> list[str]:
    """The first ``limit`` distinct values of ``table.column`` (indexed) in order, among
    rows matching ``where`` (SQL; only the fixed choices of :data:`_NAMES`)."""
    if (table, column, where) not in _NAMES:
        raise ValueError(f"no facet scan of {table}.{column}")
    also = f" AND {where}" if where else ""
    query = text(f"""
        WITH RECURSIVE walk(v) AS (
            SELECT (SELECT {column} FROM {table} WHERE {column} IS NOT NULL{also}
                    ORDER BY {column} LIMIT 1)
            UNION ALL
            SELECT (SELECT {column} FROM {table} WHERE {column} > walk.v{also}
                    ORDER BY {column} LIMIT 1)
            FROM walk WHERE walk.v IS NOT NULL
        )
        SELECT v FROM walk WHERE v IS NOT NULL LIMIT :limit
    """)  # noqa: S608 -- identifiers from _NAMES only, the limit bound
    return [str(v) for v in conn.execute(query, {"limit": limit}).scalars()]
