"""A refusal of the network domain that both of the operator's tools can show.

``ionode network ...`` prints it as the English sentence; ``/admin/network`` shows it in
the reader's language: the English format (``msgid``) and its values are kept, so the
page looks the sentence up in its catalogue and fills the values in again.
"""

from __future__ import annotations

from node.activitypub.local_actors import ActorError


class NetworkRefusal(ActorError):
    """An :class:`ActorError` whose message is ``msgid % values``."""

    def __init__(self, msgid: str, **values: str) -> None:
        super().__init__(msgid % values if values else msgid)
        self.msgid, self.values = msgid, values
