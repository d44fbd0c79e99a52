"""ionode: a federated ActivityPub hub network for general assemblies.

Nothing in this package does work at import time: every component is built by
``node.app.create_app(settings)`` or by the ``ionode`` command from explicit settings.
"""

__version__ = "0.1.0"
