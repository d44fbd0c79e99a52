"""A refusal of the network domain that both of the operator's tools can show.

``ionode network ...`` prints it as the English sentence; ``/admin/network`` shows it in
the reader's language: its message is a :class:`~node.messages.Text`, which keeps the
English format and its values (``node.messages.refusal`` reads it back), as every other
domain's refusal does.
"""

from __future__ import annotations

from node.activitypub.local_actors import ActorError
from node.messages import Text


class NetworkRefusal(ActorError):
    """An :class:`ActorError` whose message is ``Text(msgid, **values)``."""

    def __init__(self, msgid: str, **values: str) -> None:
        super().__init__(Text(msgid, **values))
