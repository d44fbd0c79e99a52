"""The Code of Conduct and Principles of Accountability: versioned Markdown documents."""
