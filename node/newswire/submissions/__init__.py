"""Submissions from anyone: the form's rules, storage, the rate limit and tracking."""
