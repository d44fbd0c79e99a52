"""Images: uploads checked and re-encoded, stored by content hash, served immutable, and
remote images shown through a signed, SSRF-guarded proxy (never hot-linked).

A protocol-layer package (tests/unit/test_layering.py): hubs and the newswire use it; it
imports no domain.
"""
