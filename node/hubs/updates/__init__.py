"""Updates: short Markdown items, a public ``Note`` on the wire (``ionode post``)."""
