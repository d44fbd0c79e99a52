"""A poll's own page (``/objects/{id}`` of a Question, for browsers) and its vote form.

The page shows each option with a bar and its share, the voters, the closing time in
the hub's timezone and, once closed, the final results. A signed-in organizer of this
node votes here (``POST /objects/{id}/vote`` with the session's CSRF token), counted by
the poll service exactly as ``ionode poll vote`` and the hub's manage page count it, with
the same refusals. Anyone else is told how to vote from their own fediverse account:
Mastodon and others show our Question as a poll once its URL is searched there.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select
from starlette.requests import Request

from node.accounts.sessions import Login
from node.activitypub.models import StoredObject
from node.hubs.hub.models import PollVote
from node.runtime import Node
from node.web.i18n import N_
from node.web.poll_view import PollView, poll_view

_votes = PollVote.__table__  # type: ignore[attr-defined]
# The object page's flashes after a vote here or an RSVP (node.web.rsvp_view).
FLASHES = {"voted": N_("Your vote was counted."),
           "counted-before": N_("That vote was counted before."),
           "going": N_("You are going: the organizer has your RSVP."),
           "not-going": N_("You are no longer going.")}


@dataclass(frozen=True)
class PollPage:
    """The poll and what the viewer may do with it."""

    poll: PollView
    page_path: str
    vote_url: str
    signed_in: bool
    chosen: tuple[str, ...]  # the signed-in organizer's votes so far

    @property
    def can_vote(self) -> bool:
        """An open poll, a signed-in organizer, and not already voted on a one-choice poll."""
        return self.poll.is_open and self.signed_in and (self.poll.multiple or not self.chosen)


def path_of(uri: str, node: Node) -> str:
    """The local path of one of our object URIs."""
    return uri.removeprefix(node.settings.url) or "/"


def chosen_by(conn: Connection, uri: str, voter: str | None) -> tuple[str, ...]:
    if voter is None:
        return ()
    rows = conn.execute(select(_votes.c.option).where(
        _votes.c.question_uri == uri, _votes.c.voter == voter).order_by(_votes.c.id))
    return tuple(str(name) for name in rows.scalars())


def poll_page(conn: Connection, node: Node, obj: StoredObject, login: Login | None) -> PollPage:
    """The view of the Question ``obj`` (a local, public, live object) for this viewer."""
    voter = login.actor.uri if login is not None else None
    path = path_of(obj.uri, node)
    return PollPage(poll=poll_view(obj.document or {}, node.clock()), page_path=path,
                    vote_url=f"{path}/vote", signed_in=login is not None,
                    chosen=chosen_by(conn, obj.uri, voter))


def flash_of(request: Request) -> str:
    return FLASHES.get(request.query_params.get("done", ""), "")
