"""``python -m node`` runs the ``ionode`` command."""

from node.cli import main

raise SystemExit(main())
