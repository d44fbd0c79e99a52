"""A hub's avatar and header: uploaded images on its Group actor.

The avatar is the Group's ``icon``, the header its ``image`` (Activity Vocabulary 3.3;
Mastodon shows them as the profile picture and banner). An uploaded one is described
in full (``mediaType``, ``width``, ``height``, ``blurhash`` and the alt text as
``name``, :mod:`node.media.service`); one set by URL (``ionode hub set --avatar URL``)
is only its ``url``. Setting or removing either sends ``Update{Group}`` through
:func:`~node.hubs.hub.settings.apply_settings`, like any other profile change.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from node.hubs.hub.group_images import header_url
from node.hubs.hub.publish import HubTarget
from node.hubs.hub.settings import HubSettings, SettingsResult, apply_settings
from node.media.checks import ProcessedImage
from node.media.service import StoredImage, find_image, save_image, store_of
from node.runtime import Node

SLOTS = ("avatar", "header")


@dataclass(frozen=True)
class HubImage:
    """What a hub shows in one slot: its URL, and the upload behind it if there is one."""

    url: str
    upload: StoredImage | None


def _settings(slot: str, url: str) -> HubSettings:
    if slot not in SLOTS:
        raise ValueError(f"no image slot {slot!r}")
    return HubSettings(avatar_url=url) if slot == "avatar" else HubSettings(header_url=url)


def set_hub_image(node: Node, conn: Connection, target: HubTarget, slot: str,
                  image: ProcessedImage, alt: str) -> SettingsResult:
    """Store ``image`` (already checked: :func:`node.media.images.process`) with its alt
    text as the hub's avatar or header, and tell its followers."""
    stored = save_image(conn, store_of(node), image, owner_uri=target.actor.uri, alt=alt,
                        now=node.clock())
    return apply_settings(node, conn, target, _settings(slot, stored.url(node.settings.url)))


def remove_hub_image(node: Node, conn: Connection, target: HubTarget,
                     slot: str) -> SettingsResult:
    """No avatar (or header) any more; the files stay (other documents may show them)."""
    return apply_settings(node, conn, target, _settings(slot, ""))


def hub_images(conn: Connection, base_url: str, target: HubTarget) -> dict[str, HubImage | None]:
    """The hub's current avatar and header, for its pages."""
    urls = {"avatar": target.actor.icon_url or "", "header": header_url(conn, target.actor)}
    return {slot: HubImage(url, find_image(conn, base_url, url, target.actor.uri))
            if url else None for slot, url in urls.items()}
