"""The network newswire (issue 10 item 5): the news of the sources ``@news`` follows."""
