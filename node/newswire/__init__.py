"""The newswire: ``@news`` and its front page (``actor/``), open submissions
(``submissions/``), the moderation queue and the Article it publishes (``moderation/``),
the versioned Code of Conduct (``conduct/``) and the public log (``log/``).

The digest, network news, reports and blocks (issue 10) come later, each in its own
subpackage here (ARCHITECTURE.md section 7).
"""
