"""docker-compose.yml is a valid Compose file (the Compose specification's JSON schema,
offline), and what it asks of Orderloom exists: each service's command and options in the
CLI, each ``ORDERLOOM_`` variable among the settings that command reads, each mounted file
in the checkout and readable by whoever reads it."""

from __future__ import annotations

import json
import shlex
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.deploy.contract import command_problem, unknown_variables
from tests.deploy.helm import ROOT
from vendor_gateway.config import load_config

COMPOSE = ROOT / "docker-compose.yml"
SCHEMA = Path(__file__).parent / "data" / "compose-spec.json"


@cache
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def orderloom_services() -> dict[str, dict[str, Any]]:
    image = compose()["x-orderloom"]["image"]
    return {n: s for n, s in compose()["services"].items() if s.get("image") == image}


def script_commands(script: str) -> list[list[str]]:
    """The ``orderloom ...`` commands of a shell script, each up to a pipe or redirection."""
    commands = []
    for line in script.splitlines():
        words = shlex.split(line)
        while "orderloom" in words:
            words = words[words.index("orderloom") + 1 :]
            end = next((i for i, w in enumerate(words) if w in {"|", ">", "||", "&&"}), None)
            commands.append(words[:end])
    return commands


def validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads(SCHEMA.read_text()))


def test_the_compose_file_is_valid_by_the_compose_specification() -> None:
    assert [e.message for e in validator().iter_errors(compose())] == []


def test_a_mistake_in_the_compose_file_is_caught_by_the_schema() -> None:
    broken = yaml.safe_load(COMPOSE.read_text())
    broken["services"]["runner"]["restart_policy"] = "always"
    broken["services"]["gateway"]["ports"] = "9464"
    messages = sorted(e.message for e in validator().iter_errors(broken))
    assert messages == [
        "'9464' is not of type 'array'",
        "'restart_policy' does not match any of the regexes: '^x-'",
    ]


def test_every_orderloom_service_and_the_demo_are_there() -> None:
    services = compose()["services"]
    core = {"order-api", "runner", "projector", "event-log", "inventory", "billing", "gateway"}
    core |= {"scheduler", "console", "setup"}
    demo = {"erp", "threepl", "payments", "storefront", "seed", "orders"}
    assert core | demo == set(orderloom_services())
    assert {n for n, s in services.items() if s.get("profiles") == ["demo"]} == demo
    assert {"redpanda", "postgres", "jaeger", "prometheus", "grafana"} <= set(services)


def test_each_command_is_one_the_cli_has() -> None:
    checked = 0
    for name, service in orderloom_services().items():
        if name == "setup":
            commands = script_commands(service["command"][0])
            expected = [["topics", "apply"], ["users", "list"], ["users", "add"]]
            assert [c[:2] for c in commands] == expected
        else:
            commands = [service["command"]]
        for args in commands:
            assert command_problem(args) is None, name
            checked += 1
    assert checked == len(orderloom_services()) + 2


def test_a_renamed_option_is_caught() -> None:
    args = list(compose()["services"]["gateway"]["command"])
    args[args.index("--config")] = "--configuration"
    assert "No such option: --configuration" in (command_problem(args) or "")


def test_each_orderloom_variable_is_a_setting_its_command_reads() -> None:
    for name, service in orderloom_services().items():
        environment = service.get("environment", {})
        commands = (
            script_commands(service["command"][0]) if name == "setup" else [service["command"]]
        )
        for args in commands:
            assert unknown_variables(args, list(environment)) == [], name
    assert unknown_variables(["inventory", "run"], ["ORDERLOOM_HEALTH__PORTS"]) == [
        "ORDERLOOM_HEALTH__PORTS"
    ]


def test_the_mounted_files_exist_and_the_gateway_accepts_its_configuration() -> None:
    for service in compose()["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), source
    config = load_config(ROOT / "deploy" / "compose" / "vendors.toml")
    assert set(config.vendors) == {"erp", "threepl", "payments", "storefront"}
    gateway_url = compose()["services"]["console"]["environment"]["ORDERLOOM_CONSOLE__GATEWAY_URL"]
    assert gateway_url == f"http://gateway:{config.status_port}"


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "deploy" / "compose" / "grafana").rglob("*.*")),
    ids=lambda p: p.name,
)
def test_grafana_reads_its_provisioned_files(path: Path) -> None:
    data = (
        json.loads(path.read_text()) if path.suffix == ".json" else yaml.safe_load(path.read_text())
    )
    if path.suffix == ".json":
        sources = {p["datasource"]["uid"] for p in data["panels"]}
        assert sources == {"prometheus"}
    else:
        assert data["apiVersion"] == 1
