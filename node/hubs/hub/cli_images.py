"""``ionode hub image NAME avatar|header FILE --alt TEXT`` (or ``--remove``).

The same checks and messages as the hub's images page (:mod:`node.media.images`: type
sniffed from the bytes, size and pixel caps, alt text required), and the same service
(:func:`node.hubs.hub.images.set_hub_image`), which sends ``Update{Group}``.
"""

from __future__ import annotations

import argparse
from functools import partial
from typing import Any

from node.hubs.hub.images import SLOTS, remove_hub_image, set_hub_image
from node.hubs.hub.publish import HubError, load_hub
from node.media.checks import ImageError, ProcessedImage
from node.media.files import checked_file
from node.runtime import NodeAccess


def given_image(path: str | None, alt: str | None) -> tuple[ProcessedImage, str] | None:
    """The image file a command was given (``--image``/``FILE``) and its ``--alt``, checked
    as the forms check an upload; None without a file; :class:`HubError` if refused."""
    if not path:
        return None
    try:
        return checked_file(path, alt or "")
    except ImageError as exc:
        raise HubError(str(exc)) from exc
    except OSError as exc:
        raise HubError(f"cannot read {path}: {exc.strerror}") from exc


def image_options(parser: argparse.ArgumentParser) -> None:
    """``--image FILE --alt TEXT`` on a command that posts an item."""
    parser.add_argument("--image", metavar="FILE",
                        help="attach an image (JPEG, PNG, WebP, GIF; at most 10 MB)")
    parser.add_argument("--alt", metavar="TEXT",
                        help="what the image shows (required with --image)")


def cmd_image(nodes: NodeAccess, args: argparse.Namespace) -> int:
    if args.remove:
        nodes.with_node(args, lambda node, conn: remove_hub_image(
            node, conn, load_hub(conn, args.name), args.slot))
        print(f"ionode: removed the {args.slot} of hub {args.name}")
        return 0
    given = given_image(args.file, args.alt)
    if given is None:
        raise HubError("give an image FILE, or --remove")
    image, alt = given
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
