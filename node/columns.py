"""Column helpers shared by the model modules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, DateTime
from sqlmodel import Field


def timestamp(nullable: bool = False, index: bool = False) -> Any:
    """A timezone-aware timestamp column (required unless ``nullable``)."""
    return Field(
        default=None if nullable else ...,
        sa_column=Column(DateTime(timezone=True), nullable=nullable, index=index),
    )
