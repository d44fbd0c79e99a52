"""style.css stays well-formed: every block is closed before the next section starts.

Several helpers append sections to one stylesheet; a merge once dropped the ``}`` of two
``@media`` blocks, so every rule after them (calendar, hub settings, media) applied only
on screens narrower than 30rem, silently.
"""

from __future__ import annotations

import re
from pathlib import Path

STYLESHEET = Path(__file__).parents[2] / "node" / "web" / "static" / "style.css"


def test_every_block_of_the_stylesheet_is_closed_before_the_next_section() -> None:
    depth = 0
    for number, line in enumerate(STYLESHEET.read_text().splitlines(), 1):
        if line.startswith("/*"):  # a section's heading comment stands at the top level
            assert depth == 0, f"style.css:{number}: a block above this section is not closed"
        code = re.sub(r"/\*.*?\*/", "", line)
        depth += code.count("{") - code.count("}")
        assert depth >= 0, f"style.css:{number}: a '}}' closes nothing"
    assert depth == 0, "style.css: a block is never closed"
