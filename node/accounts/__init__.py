"""Organizer accounts: passwords, sessions, CSRF and login rate limiting."""
