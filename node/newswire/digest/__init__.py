"""The weekly digest (issue 10 item 6): the week's approved news as a page, an Atom
entry, an ``Article`` by ``@news`` and an e-mail to double-opt-in subscribers, sent
through the operator's SMTP server with a per-recipient record."""
