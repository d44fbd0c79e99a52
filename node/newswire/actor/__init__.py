"""The newswire actor ``@news``: a Service at ``/news``, its front page and Atom feed."""
