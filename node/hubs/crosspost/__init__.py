"""Cross-posting: one item addressed to hubs here and on other nodes (issue 9 item 6)."""
