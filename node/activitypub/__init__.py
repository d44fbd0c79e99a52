"""The ActivityPub protocol layer: signatures, proofs, fetching, inbox, outbox, delivery.

This package knows nothing of hubs or the newswire; those domain packages register
handlers with :mod:`node.activitypub.dispatch` and publish through
:mod:`node.activitypub.outbox`.
"""
