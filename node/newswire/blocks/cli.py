"""``ionode block ...`` and ``ionode allow ...``: the same services as /admin/blocks.

``ionode block add TARGET --reason TEXT --as NAME`` blocks an account (``@user@host``
or its URL) or a domain (with its subdomains); ``remove`` lifts it; ``list`` shows
the mode, the blocks with their public reasons and the allowlist; ``mode open|allowlist``
switches the archipelago mode. ``ionode allow add|remove|list DOMAIN`` keeps the
allowlist. A running node sees a change within seconds (the policy's version counter).
"""

from __future__ import annotations

import argparse
import asyncio
from functools import partial
from typing import Any

from sqlalchemy import Connection

from node.newswire.blocks.service import (
    Target,
    allow,
    block,
    disallow,
    overview,
    resolve_target,
    set_mode,
    unblock,
)
from node.newswire.moderation.roles import role_of_user
from node.runtime import Node, NodeAccess


def _target(node: Node, text: str) -> Target:
    async def run() -> Target:
        try:
            return await resolve_target(node, text)
        finally:
            await node.services.fetcher.aclose()

    return asyncio.run(run())


def _changed(nodes: NodeAccess, args: argparse.Namespace, work: Any) -> Any:
    node = nodes.open(args)
    try:
        target = _target(node, args.target) if getattr(args, "target", None) else None
        with node.engine.begin() as conn:
            return work(node, conn, role_of_user(conn, args.as_user), target)
    finally:
        node.engine.dispose()


def cmd_block(nodes: NodeAccess, args: argparse.Namespace) -> int:
    if args.action == "list":
        return show(nodes, args)
    if args.action == "mode":
        _changed(nodes, args, lambda node, conn, role, _: set_mode(node, conn, args.mode,
                                                                   role=role))
        print(f"ionode: the federation mode is now {args.mode}")
        return 0
    if args.action == "add":
        done = _changed(nodes, args, lambda node, conn, role, target: (target, block(
            node, conn, target, args.reason or "", role=role)))
        print(f"ionode: blocked the {_named(done[0], args.target)}; "
              f"{done[1]} stored items withdrawn")
        return 0
    def lift(node: Node, conn: Connection, role: str, target: Target) -> Target:
        unblock(node, conn, target, role=role)
        return target

    print(f"ionode: the {_named(_changed(nodes, args, lift), args.target)} is no longer blocked")
    return 0


def _named(target: Target, given: str) -> str:
    """What a block names, and what the operator typed when it was resolved to that
    (an account is stored as its actor id, the id activities carry)."""
    if target.kind == "domain":
        return f"domain {target.value}"
    typed = given.strip()
    return f"account {target.value}" + ("" if typed == target.value
                                         else f" (resolved from {typed})")


def show(nodes: NodeAccess, args: argparse.Namespace) -> int:
    view = nodes.with_node(args, lambda node, conn: overview(conn), read_only=True)
    print(f"mode\t{view.mode}")
    for rule in [*view.domains, *view.actors]:
        kind = "domain" if rule in view.domains else "account"
        print(f"{kind}\t{rule.target}\t{rule.created_at:%Y-%m-%d}\t{rule.reason}")
    for rule in view.allowed:
        print(f"allowed\t{rule.target}\t{rule.created_at:%Y-%m-%d}\t{rule.reason}")
    return 0


def cmd_allow(nodes: NodeAccess, args: argparse.Namespace) -> int:
    if args.action == "list":
        view = nodes.with_node(args, lambda node, conn: overview(conn), read_only=True)
        print(f"mode\t{view.mode}")
        for rule in view.allowed:
            print(f"allowed\t{rule.target}\t{rule.created_at:%Y-%m-%d}\t{rule.reason}")
        return 0
    domain = args.domain

    def work(node: Node, conn: Connection, role: str, _: Any) -> str:
        if args.action == "add":
            return allow(node, conn, domain, args.reason or "", role=role)
        return disallow(node, conn, domain, role=role)

    value = _changed(nodes, args, work)
    print(f"ionode: {value} is {'now' if args.action == 'add' else 'no longer'} "
          "on the allowlist")
    return 0


def register(sub: Any, common: argparse.ArgumentParser, nodes: NodeAccess) -> None:
    """Add ``ionode block add|remove|list|mode`` and ``ionode allow add|remove|list``."""
    blocks = sub.add_parser("block", help="block accounts and domains").add_subparsers(
        dest="action", required=True)
    for action, text in (("add", "block an account or a domain"), ("remove", "lift a block")):
        one = blocks.add_parser(action, parents=[common], help=text)
        one.add_argument("target", help="@user@host, an actor URL or a domain")
        one.add_argument("--as", dest="as_user", required=True, metavar="NAME",
                         help="a node admin or news moderator")
        if action == "add":
            one.add_argument("--reason", required=True, help="the public reason (logged)")
        one.set_defaults(run=partial(cmd_block, nodes))
    blocks.add_parser("list", parents=[common], help="the mode, blocks and allowlist"
                      ).set_defaults(run=partial(cmd_block, nodes))
    mode = blocks.add_parser("mode", parents=[common],
                             help="open, or allowlist: federate only with listed domains")
    mode.add_argument("mode", choices=("open", "allowlist"))
    mode.add_argument("--as", dest="as_user", required=True, metavar="NAME")
    mode.set_defaults(run=partial(cmd_block, nodes))
    allowed = sub.add_parser("allow", help="the allowlist (allowlist mode)").add_subparsers(
        dest="action", required=True)
    for action in ("add", "remove"):
        one = allowed.add_parser(action, parents=[common], help=f"{action} a domain")
        one.add_argument("domain")
        one.add_argument("--as", dest="as_user", required=True, metavar="NAME")
        if action == "add":
            one.add_argument("--reason", default="", help="a public note (logged)")
        one.set_defaults(run=partial(cmd_allow, nodes))
    allowed.add_parser("list", parents=[common], help="the allowed domains"
                       ).set_defaults(run=partial(cmd_allow, nodes))
