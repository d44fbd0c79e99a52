"""``ionode hub image NAME avatar|header FILE --alt TEXT`` (or ``--remove``).

The same checks and messages as the hub's images page (:mod:`node.media.images`: type
sniffed from the bytes, size and pixel caps, alt text required), and the same service
(:func:`node.hubs.hub.images.set_hub_image`), which sends ``Update{Group}``.
"""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path
from typing import Any

from node.hubs.hub.images import SLOTS, remove_hub_image, set_hub_image
from node.hubs.hub.publish import HubError, load_hub
from node.media.checks import MAX_BYTES, TOO_LARGE, ImageError, check_alt
from node.runtime import NodeAccess


def _read(path: str) -> bytes:
    """At most one byte over the cap is read: the cap's refusal needs no more."""
    try:
        with Path(path).open("rb") as file:
            data = file.read(MAX_BYTES + 1)
    except OSError as exc:
        raise HubError(f"cannot read {path}: {exc.strerror}") from exc
    if len(data) > MAX_BYTES:
        raise HubError(TOO_LARGE)
    return data


def cmd_image(nodes: NodeAccess, args: argparse.Namespace) -> int:
    if args.remove:
        nodes.with_node(args, lambda node, conn: remove_hub_image(
            node, conn, load_hub(conn, args.name), args.slot))
        print(f"ionode: removed the {args.slot} of hub {args.name}")
        return 0
    if not args.file:
        raise HubError("give an image FILE, or --remove")
    try:
        alt = check_alt(args.alt or "")
        from node.media.images import process  # Pillow: only when an image is given

        image = process(_read(args.file))
    except ImageError as exc:
        raise HubError(str(exc)) from exc
    nodes.with_node(args, lambda node, conn: set_hub_image(
        node, conn, load_hub(conn, args.name), args.slot, image, alt))
    largest = image.largest
    print(f"ionode: the {args.slot} of hub {args.name} is now {largest.name} "
          f"({largest.width}x{largest.height}, {len(image.variants)} sizes)")
    return 0


def register_image_command(hub: Any, common: argparse.ArgumentParser,
                           nodes: NodeAccess) -> None:
    cmd = hub.add_parser("image", parents=[common],
                         help="upload a hub's avatar or header (JPEG, PNG, WebP, GIF)")
    cmd.add_argument("name")
    cmd.add_argument("slot", choices=SLOTS)
    cmd.add_argument("file", nargs="?", help="the image file (at most 10 MB)")
    cmd.add_argument("--alt", metavar="TEXT", help="what the image shows (required)")
    cmd.add_argument("--remove", action="store_true", help="remove the avatar or header")
    cmd.set_defaults(run=partial(cmd_image, nodes))
