"""Node follows node: the node actor follows other nodes and relays, and relays its
own hubs' public activity to the nodes and relays that follow it (issue 9).

ARCHITECTURE.md section 7: this domain imports neither ``node.hubs`` nor
``node.newswire``; it learns what to relay through the outbox's publish hooks and
takes what arrives through dispatch hooks.
"""
