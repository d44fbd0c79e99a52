"""The hub itself: its Group actor, membership, policy, moderation, follow requests,
settings, featured items, dashboard, Atom feed, and what every kind of item shares
(publishing into hubs, inbound posts, editing and deleting items)."""
