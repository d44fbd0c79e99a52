"""The public moderation log: every decision, its clause and the moderator's role."""
