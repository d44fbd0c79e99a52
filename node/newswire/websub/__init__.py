"""WebSub for the newswire's Atom feeds (issue 10 item 4, W3C WebSub)."""
