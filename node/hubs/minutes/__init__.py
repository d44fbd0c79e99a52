"""Minutes and reports: Markdown in, an ``Article`` out (``ionode minutes``)."""
