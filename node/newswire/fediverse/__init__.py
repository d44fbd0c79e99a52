"""News from the fediverse: a Note addressed to @news, and the reply with the outcome."""
