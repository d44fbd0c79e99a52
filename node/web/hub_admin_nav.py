"""The admin navigation of a hub's manage page: which admin pages exist, for whom.

Settings, images, members and feeds are for the hub's admins (the operator's ``ionode hub
set|member`` and ``ionode feed``); follow requests are for its stewards, admins and
moderators (:func:`node.hubs.hub.moderation.require_steward`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from node.hubs.hub.policy import STEWARDS
from node.web.hub_manage import Access
from node.web.i18n import N_

ADMINS = frozenset({"admin"})


@dataclass(frozen=True)
class AdminPage:
    """One entry of the admin navigation: its path under the hub, label and roles."""

    path: str
    label: str
    roles: Collection[str]


#: The manage page's admin navigation, in the order it lists them.
ADMIN_PAGES = (
    AdminPage("settings", N_("Settings"), ADMINS),
    AdminPage("images", N_("Avatar and header"), ADMINS),
    AdminPage("members", N_("Members and roles"), ADMINS),
    AdminPage("requests", N_("Follow requests"), STEWARDS),
    AdminPage("links", N_("Linked hubs"), STEWARDS),
    AdminPage("feeds", N_("Outside feeds"), ADMINS),
)


def admin_links(access: Access) -> list[AdminPage]:
    """The admin pages this organizer may open."""
    return [page for page in ADMIN_PAGES if access.role in page.roles]
