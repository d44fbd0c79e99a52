"""The newswire: open submissions, the moderation queue, publishing and the digest.

Not built yet: this package holds its place in the layout of ARCHITECTURE.md section 7,
so the protocol layer's rule (``node.activitypub`` never imports domain packages)
has both domain packages to hold against from the start.
"""
