"""deploy/ for scale-out (issue 9, item 8): web and worker units and compose services,
and the three-node compose federation for trying ionode out.

No container engine or systemd runs here: the files are parsed (YAML, unit syntax) and
every ionode command they run is parsed by the real ``ionode`` argument parser, so a
misspelt subcommand or flag fails here rather than on an operator's machine.
"""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from node.cli import parser
from node.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
IONODE = "/opt/ionode/venv/bin/ionode"


def unit(name: str) -> configparser.ConfigParser:
    units = configparser.ConfigParser(strict=False, interpolation=None)
    units.optionxform = str  # type: ignore[assignment,method-assign]  # keep key case
    units.read_string((DEPLOY / "systemd" / name).read_text())
    return units


def ionode_args(command: list[str]) -> Any:
    """What the ionode command line ``command`` means to the real parser."""
    assert command[0] in ("ionode", IONODE), command
    return parser().parse_args(command[1:])


def compose(path: str) -> dict[str, Any]:
    text = (DEPLOY / path).read_text()
    assert "\t" not in text  # YAML forbids tabs for indentation
    loaded = yaml.safe_load(text)
    assert isinstance(loaded, dict)
    return loaded


def test_web_and_worker_units_split_one_node() -> None:
    web, worker = unit("ionode-web@.service"), unit("ionode-worker@.service")
    for units in (web, worker):
        service = units["Service"]
        assert service["User"] == "ionode" and service["ProtectSystem"] == "strict"
        assert service["EnvironmentFile"] == "/etc/ionode/ionode.env"
        assert service["Restart"] == "on-failure"
        assert units["Unit"]["Conflicts"] == "ionode.service"  # one layout or the other
    serve = ionode_args(shlex.split(web["Service"]["ExecStart"].replace("%i", "8001")))
    assert (serve.command, serve.workers, serve.port) == ("serve", 0, 8001)
    assert shlex.split(web["Service"]["ExecStartPre"]) == [IONODE, "migrate"]
    work = ionode_args(shlex.split(worker["Service"]["ExecStart"]))
    assert (work.command, work.workers) == ("worker", None)
    # a stopping worker gets its grace period (node.workers.GRACE, 10 s) and more
    assert worker["Service"]["TimeoutStopSec"] == "30s"


def test_compose_runs_the_web_process_and_the_workers_apart() -> None:
    services = compose("compose.yaml")["services"]
    web, worker = services["ionode"], services["worker"]
    assert ionode_args(web["command"]).workers == 0
    assert ionode_args(worker["command"]).command == "worker"
    assert worker["environment"] == web["environment"]  # one node, one database
    assert worker["environment"]["IONODE_DATABASE"].startswith("postgresql://")
    assert worker["volumes"] == web["volumes"]  # the same secret_key
    assert "ports" not in worker
    assert worker["stop_grace_period"] == "30s"


def test_the_try_out_federation_has_three_nodes_that_reach_each_other() -> None:
    services = compose("try/compose.yaml")["services"]
    nodes = {n: s for n, s in services.items() if "command" in s}  # not the database
    serving = {n: s for n, s in nodes.items() if ionode_args(s["command"]).command == "serve"}
    assert set(serving) == {"a", "b", "c"}
    for name, service in serving.items():
        env = service["environment"]
        settings = Settings.from_env({k: str(v) for k, v in env.items()})
        url = urlsplit(settings.url)
        # The URL is plain http (allowed for *.localhost), its host is the node's alias
        # on the compose network, and the port it listens on is the one published.
        assert settings.is_loopback and url.hostname == f"{name}.localhost"
        assert service["networks"]["federation"]["aliases"] == [url.hostname]
        assert service["ports"] == [f"127.0.0.1:{url.port}:{url.port}"]
        assert settings.listen_port == url.port
        assert ionode_args(service["command"]).host == "0.0.0.0"
    assert ionode_args(serving["c"]["command"]).workers == 0
    worker = services["c-worker"]
    assert ionode_args(worker["command"]).command == "worker"
    assert worker["environment"] == serving["c"]["environment"]
    assert worker["environment"]["IONODE_DATABASE"].endswith("@c-db:5432/ionode")
    assert services["c-db"]["healthcheck"]["test"][0] == "CMD-SHELL"
    for name in ("a", "b", "c"):
        assert serving[name]["build"]["dockerfile"] == "deploy/Containerfile"
        assert (DEPLOY / "try" / serving[name]["build"]["context"] / "deploy" /
                "Containerfile").is_file()


@pytest.mark.parametrize("name", ["ionode-web@.service", "ionode-worker@.service"])
def test_the_readme_explains_the_units(name: str) -> None:
    readme = (DEPLOY / "README.md").read_text()
    assert name in readme
    assert "deploy/try" in readme and "ionode worker" in readme
