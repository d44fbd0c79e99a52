"""A hub sends one of its items to the newswire (issue 10 item 2c)."""
