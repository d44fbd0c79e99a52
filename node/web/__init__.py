"""HTML side of the node: sign-in, public pages, templates, security headers."""
