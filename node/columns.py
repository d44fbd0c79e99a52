"""Column helpers shared by the model modules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class TableModel(SQLModel):
    """The base of every table model: SQLModel with pydantic's validators built on use.

    SQLModel never validates a table model on ``__init__`` (it sets the attributes
    through SQLAlchemy's instrumentation), so the pydantic core schema, validator and
    serializer pydantic builds for each of the node's 45 tables at import served only
    the rare ``model_validate``/``model_dump``; with ``defer_build`` each is built the
    first time it is needed (pydantic's documented lazy build) and a serving process
    holds less at start (issue 7, 1.14: idle memory).
    """

    model_config = {"defer_build": True}  # merged with SQLModel's from_attributes


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant, always written in UTC.

    SQLite has no timezone type: SQLAlchemy writes the wall time and drops the offset,
    so ``18:15-06:00`` would be stored as 18:15 and sort before ``19:00Z`` (00:15Z the
    next day). Converting every value to UTC before it is written (a naive value is
    taken as UTC already) makes both backends store, compare and order the same instant.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or not isinstance(value, datetime) or value.tzinfo is None:
            return value
        return value.astimezone(UTC)


def timestamp(nullable: bool = False, index: bool = False) -> Any:
    """A timezone-aware timestamp column stored in UTC (required unless ``nullable``)."""
    return Field(
        default=None if nullable else ...,
        sa_column=Column(UTCDateTime(), nullable=nullable, index=index),
    )
