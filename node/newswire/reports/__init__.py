"""Reports (issue 10 item 7): anyone reports an item or an account; a report on remote
content also goes to its origin as a ``Flag``; incoming ``Flag`` s join the queue."""
