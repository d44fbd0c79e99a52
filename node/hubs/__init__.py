"""Hubs: campaigns, projects and working groups as FEP-1b12 Group actors.

A hub holds **items** of a **kind**. ``hub/`` is the hub itself (actor, membership,
policy, moderation, dashboard, settings, follow requests) and what all kinds share;
each kind has its own subpackage with its rules, service, inbound handlers and CLI:
``updates/``, ``minutes/``, ``events/``, ``calls/``, ``polls/``, ``feeds/``.
``wiring`` and ``tasks`` plug the whole domain into the node.
"""
