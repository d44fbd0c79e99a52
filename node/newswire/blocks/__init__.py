"""Blocks and the allowlist (issue 10 item 8): moderators decide, the log shows why."""
