"""The hubs on other nodes an item was cross-posted to, and what each answered.

A local hub decides in-process and its answer is its ``hub_item`` row; a hub on another
node decides on its own node and answers over the wire (``Announce`` when published,
``Reject`` of the ``Create`` with a reason when refused, nothing while held), so its
answer is kept here with the delivery of the ``Create`` to its inbox.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field

from node.columns import TableModel, timestamp


class CrosspostTarget(TableModel, table=True):
    """One remote hub an item of ours was posted into."""

    __tablename__ = "crosspost_target"
    __table_args__ = (UniqueConstraint("object_uri", "hub_uri", name="uq_crosspost_target"),)

    id: int | None = Field(default=None, primary_key=True)
    object_uri: str = Field(max_length=1024, index=True)
    hub_uri: str = Field(max_length=1024)
    handle: str = Field(max_length=300)  # @hub@node, as the organizer sees it
    inbox: str = Field(max_length=1024)  # the hub's shared inbox, else its inbox
    state: str = Field(max_length=16)  # sent | published | refused
    reason: str | None = Field(default=None, sa_column=Column(Text))  # the hub's, if refused
    create_activity_id: int | None = Field(default=None, foreign_key="outbox_activity.id")
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
