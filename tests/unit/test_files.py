"""Files written whole (node/files.py): what a second process may read meanwhile.

CI failed once because ``ionode hub create``, typed while a node booted, read
``node.json`` after ``write_text`` had truncated it and before it wrote the settings.
"""

from __future__ import annotations

import stat
from pathlib import Path

from node.files import create_atomically, write_atomically
from node.settings import NODE_FILE, Settings, read_node_file


def test_a_reader_holding_the_old_file_keeps_reading_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "node.json"
    path.write_bytes(b'{"url": "http://old"}\n')
    with path.open("rb") as reader:  # a command that opened the file just before
        write_atomically(path, b'{"url": "http://new"}\n')
        assert reader.read() == b'{"url": "http://old"}\n'  # not truncated under it
    assert path.read_bytes() == b'{"url": "http://new"}\n'


def test_what_is_written_is_private_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    write_atomically(tmp_path / "a", b"x")
    assert create_atomically(tmp_path / "b", b"y")
    for name in ("a", "b"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]


def test_create_keeps_what_another_process_created_first(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    assert create_atomically(path, b"first")
    assert not create_atomically(path, b"second")
    assert path.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_node_file_is_replaced_not_rewritten_in_place(tmp_path: Path) -> None:
    settings = Settings(url="http://localhost:8401", data_dir=tmp_path,
                        database=f"sqlite:///{tmp_path}/ionode.sqlite3", secret_key="k")
    path = settings.write_node_file()
    with path.open() as reader:
        Settings(url="http://localhost:8402", data_dir=tmp_path,
                 database=settings.database, secret_key="k").write_node_file()
        assert '"http://localhost:8401"' in reader.read()
    assert read_node_file(tmp_path)["url"] == "http://localhost:8402"
    assert stat.S_IMODE((tmp_path / NODE_FILE).stat().st_mode) == 0o600


def test_the_secret_key_is_created_private_once_and_then_kept(tmp_path: Path) -> None:
    """It is never readable by others, not even between writing and chmod as before."""
    def keyed() -> Settings:
        return Settings(url="http://localhost:8401", data_dir=tmp_path,
                        database="sqlite://", secret_key="").ensure_secret_key()

    first = keyed()
    assert len(first.secret_key) >= 64
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert keyed().secret_key == first.secret_key
