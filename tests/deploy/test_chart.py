"""The chart lints, renders with each of its value sets, and every manifest it renders is
valid for Kubernetes (offline, strictly: an unknown field is an error); its workloads start
commands the CLI has, with settings the code reads, under a restricted security context;
values it cannot honour are refused with a message that says which."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from orderloom.workflow.schedules import load as load_schedules
from tests.deploy.contract import command_problem, unknown_variables
from tests.deploy.helm import (
    CHART,
    KUBE_VERSION,
    LOCAL_VALUES,
    ROOT,
    VALUE_SETS,
    HelmError,
    containers,
    helm,
    render,
)
from vendor_gateway.config import load_config

MINIMAL = CHART / "ci" / "minimal-values.yaml"
CRDS = Path(__file__).parent / "data" / "crds"
NOT_YET_READ = {
    "ORDERLOOM_KAFKA__SECURITY_PROTOCOL",
    "ORDERLOOM_KAFKA__SASL_MECHANISM",
    "ORDERLOOM_KAFKA__SASL_USERNAME",
    "ORDERLOOM_KAFKA__SASL_PASSWORD",
    "ORDERLOOM_KAFKA__SSL_CA_LOCATION",
}
"""Rendered for a TLS or SASL cluster, but not read by the kernel's KafkaSettings yet."""
SERVICES = {"order-api", "runner", "projector", "event-log", "inventory", "billing"}
SERVICES |= {"gateway", "scheduler", "console"}


@cache
def rendered(name: str) -> list[dict[str, Any]]:
    return render([LOCAL_VALUES if name == LOCAL_VALUES.name else CHART / "ci" / name])


def deployment(manifests: list[dict[str, Any]], component: str) -> dict[str, Any]:
    [found] = [
        m
        for m in manifests
        if m["kind"] == "Deployment" and m["metadata"]["name"] == f"rel-orderloom-{component}"
    ]
    return found


def value_set_names() -> list[str]:
    """The CI's value sets, and the local cluster's of docs/deploy.md."""
    return [p.name for p in VALUE_SETS] + [LOCAL_VALUES.name]


def test_there_are_the_three_value_sets_ci_renders() -> None:
    assert [p.name for p in VALUE_SETS] == [
        "external-kafka-sasl-values.yaml",
        "minimal-values.yaml",
        "production-values.yaml",
    ]


@pytest.mark.parametrize(
    "values", [None, *VALUE_SETS, LOCAL_VALUES], ids=["defaults", *value_set_names()]
)
def test_helm_lint_is_clean(values: Path | None) -> None:
    args = ["lint", str(CHART), "--strict", "--kube-version", KUBE_VERSION]
    out = helm(*args, *(["--values", str(values)] if values else []))
    assert "0 chart(s) failed" in out


def test_the_defaults_alone_refuse_to_render_and_say_what_is_missing() -> None:
    with pytest.raises(HelmError, match=r"kafka\.bootstrapServers is required"):
        render()
    with pytest.raises(HelmError, match=r"postgres\.existingSecret \(or postgres\.dsn\)"):
        render(sets=["kafka.bootstrapServers=k:9092"])
    with pytest.raises(HelmError, match=r"orderApi\.webhookSecret\.existingSecret is required"):
        render(sets=["kafka.bootstrapServers=k:9092", "postgres.existingSecret=pg"])


@pytest.mark.parametrize(
    ("sets", "complaint"),
    [
        (["kafka.securityProtocol=SASL_SSL"], "/kafka/sasl/existingSecret"),
        (["kafka.securityProtocol=KERBEROS"], "securityProtocol"),
        (["gateway.replicaCount=2"], "replicaCount"),
        (["runner.port=70000"], "port"),
        (["kafka.topicPrefix=a prefix"], "topicPrefix"),
    ],
)
def test_values_the_chart_cannot_honour_are_refused(sets: list[str], complaint: str) -> None:
    with pytest.raises(HelmError, match=complaint):
        render([MINIMAL], sets)


def _merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        below = merged.get(key)
        both = isinstance(below, dict) and isinstance(value, dict)
        merged[key] = _merged(below, value) if both else value  # type: ignore[arg-type]
    return merged


def test_values_yaml_and_every_value_set_match_the_values_schema() -> None:
    validator = jsonschema.Draft7Validator(json.loads((CHART / "values.schema.json").read_text()))
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    assert [e.message for e in validator.iter_errors(defaults)] == []
    for path in [*VALUE_SETS, LOCAL_VALUES]:
        values = _merged(defaults, yaml.safe_load(path.read_text()))
        assert [e.message for e in validator.iter_errors(values)] == [], path.name
    wrong = _merged(defaults, {"gateway": {"replicas": 2}})
    assert [e.message for e in validator.iter_errors(wrong)] == [
        "Additional properties are not allowed ('replicas' was unexpected)"
    ]


def _strict(schema: dict[str, Any]) -> dict[str, Any]:
    """A CRD's schema with unknown fields refused, as the API server prunes-and-warns them."""
    open_ended = schema.get("x-kubernetes-preserve-unknown-fields", False)
    if schema.get("type") == "object" and "properties" in schema and not open_ended:
        schema.setdefault("additionalProperties", False)
    for value in schema.values():
        if isinstance(value, dict):
            _strict(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    _strict(item)
    return schema


def validate(manifest: dict[str, Any]) -> None:
    """Against Kubernetes' own schemas, or the CRD's vendored schema for KEDA and Prometheus."""
    group_version = manifest["apiVersion"].replace("/", "-")
    crd = CRDS / f"{group_version}-{manifest['kind']}.json"
    if crd.exists():
        jsonschema.Draft7Validator(_strict(json.loads(crd.read_text()))).validate(manifest)
    else:
        kubernetes_validate.validate(manifest, KUBE_VERSION, strict=True)


@pytest.mark.parametrize("name", value_set_names())
def test_every_rendered_manifest_is_valid_for_kubernetes(name: str) -> None:
    manifests = rendered(name)
    for manifest in manifests:
        validate(manifest)
    kinds = {m["kind"] for m in manifests}
    assert {"Deployment", "Job", "Service", "ConfigMap", "PodDisruptionBudget"} <= kinds


def test_an_unknown_field_is_caught_by_the_validation() -> None:
    deployment = next(m for m in rendered("minimal-values.yaml") if m["kind"] == "Deployment")
    deployment["spec"]["replica"] = 2
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(deployment)
    rule = next(m for m in rendered("production-values.yaml") if m["kind"] == "PrometheusRule")
    rule["spec"]["group"] = []
    with pytest.raises(jsonschema.ValidationError):
        validate(rule)


def test_the_production_set_scales_on_lag_with_monitoring_and_network_policies() -> None:
    manifests = rendered("production-values.yaml")
    scaled = {m["metadata"]["name"] for m in manifests if m["kind"] == "ScaledObject"}
    assert scaled == {"rel-orderloom-runner", "rel-orderloom-inventory", "rel-orderloom-billing"}
    runner = deployment(manifests, "runner")
    assert "replicas" not in runner["spec"], "KEDA owns the runner's replicas"
    trigger = next(
        m["spec"]["triggers"][0]
        for m in manifests
        if m["kind"] == "ScaledObject" and m["metadata"]["name"].endswith("runner")
    )
    assert trigger["metadata"]["consumerGroup"] == "prod.workflow-runner"
    assert trigger["metadata"]["topic"] == "prod.workflow.inputs"
    hpa = [m["metadata"]["name"] for m in manifests if m["kind"] == "HorizontalPodAutoscaler"]
    assert hpa == ["rel-orderloom-order-api"], "the intake has no lag: CPU instead"
    policies = {m["metadata"]["name"] for m in manifests if m["kind"] == "NetworkPolicy"}
    assert policies == {f"rel-orderloom-{s}" for s in SERVICES}
    kinds = {m["kind"] for m in manifests}
    assert {"ServiceMonitor", "PrometheusRule"} <= kinds


def test_without_keda_autoscaling_falls_back_to_a_cpu_hpa() -> None:
    manifests = render([MINIMAL], ["runner.autoscaling.enabled=true"])
    assert [m["kind"] for m in manifests if m["metadata"]["name"] == "rel-orderloom-runner"] == [
        "PodDisruptionBudget",
        "Deployment",
        "HorizontalPodAutoscaler",
    ]


@pytest.mark.parametrize("name", value_set_names())
def test_every_service_runs_once_under_a_restricted_security_context(name: str) -> None:
    manifests = rendered(name)
    deployments = {m["metadata"]["name"]: m for m in manifests if m["kind"] == "Deployment"}
    assert set(deployments) == {f"rel-orderloom-{s}" for s in SERVICES}
    for manifest in [*deployments.values(), *(m for m in manifests if m["kind"] == "Job")]:
        pod = manifest["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False
        for container in containers(manifest):
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True
            assert context["allowPrivilegeEscalation"] is False
            assert context["capabilities"] == {"drop": ["ALL"]}
            assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]


@pytest.mark.parametrize("name", value_set_names())
def test_the_gateway_is_one_pod_replaced_never_rolled(name: str) -> None:
    gateway = deployment(rendered(name), "gateway")
    assert gateway["spec"]["replicas"] == 1
    assert gateway["spec"]["strategy"] == {"type": "Recreate"}


@pytest.mark.parametrize("name", value_set_names())
def test_each_service_is_probed_on_its_health_endpoints(name: str) -> None:
    for manifest in rendered(name):
        if manifest["kind"] != "Deployment":
            continue
        [container] = containers(manifest)
        [port] = [p["containerPort"] for p in container["ports"]]
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": port}
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": port}
        env = {e["name"]: e.get("value") for e in container["env"]}
        if "ORDERLOOM_HEALTH__PORT" in env:
            assert env["ORDERLOOM_HEALTH__PORT"] == str(port)


@pytest.mark.parametrize("name", value_set_names())
def test_every_command_and_setting_rendered_is_one_the_code_has(name: str) -> None:
    for manifest in rendered(name):
        for container in containers(manifest):
            if manifest["kind"] == "Job":
                continue
            args = container["args"]
            assert command_problem(args) is None
            names = [e["name"] for e in container["env"]]
            unknown = unknown_variables(args, names)
            assert set(unknown) <= NOT_YET_READ, manifest["metadata"]["name"]
            assert unknown == [] or name != "minimal-values.yaml"


def test_the_kafka_security_variables_are_still_unknown_to_the_settings() -> None:
    """When the kernel reads them, NOT_YET_READ shrinks and this test says so."""
    assert sorted(unknown_variables(["runner"], sorted(NOT_YET_READ))) == sorted(NOT_YET_READ)


def test_the_hook_jobs_create_topics_and_the_first_admin_before_the_services() -> None:
    jobs = {m["metadata"]["name"]: m for m in rendered("minimal-values.yaml") if m["kind"] == "Job"}
    assert set(jobs) == {"rel-orderloom-topics", "rel-orderloom-migrations"}
    for job in jobs.values():
        assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    [topics] = containers(jobs["rel-orderloom-topics"])
    assert topics["args"] == ["exec orderloom topics apply"]
    env = {e["name"]: e.get("value") for e in topics["env"]}
    factor, min_isr = "ORDERLOOM_KAFKA__REPLICATION_FACTOR", "ORDERLOOM_KAFKA__MIN_INSYNC_REPLICAS"
    assert (env[factor], env[min_isr]) == ("3", "2")
    assert command_problem(["topics", "apply"]) is None
    assert command_problem(["users", "add", "admin", "--role", "admin", "--password-stdin"]) is None


def test_config_files_come_from_configmaps_and_a_change_rolls_the_pods() -> None:
    def checksum(sets: list[str]) -> str:
        gateway = deployment(render([MINIMAL], sets), "gateway")
        return str(gateway["spec"]["template"]["metadata"]["annotations"]["checksum/config"])

    changed = 'gateway.vendors=[vendors.erp]\nbase_url = "https://erp.example.org"'
    assert checksum([]) != checksum([changed])
    maps = {
        m["metadata"]["name"]: m
        for m in rendered("minimal-values.yaml")
        if m["kind"] == "ConfigMap"
    }
    vendors = maps["rel-orderloom-gateway"]["data"]["vendors.toml"]
    assert 'status_port = 9464\n[vendors.erp]\nbase_url = "https://erp.example.com/api"' in vendors
    assert "[[schedule]]" in maps["rel-orderloom-schedules"]["data"]["schedules.toml"]


def test_the_gateway_and_the_scheduler_accept_the_files_the_chart_gives_them(
    tmp_path: Path,
) -> None:
    maps = {m["metadata"]["name"]: m["data"] for m in render([MINIMAL]) if m["kind"] == "ConfigMap"}
    vendors = tmp_path / "vendors.toml"
    vendors.write_text(maps["rel-orderloom-gateway"]["vendors.toml"])
    config = load_config(vendors)
    assert (config.status_host, config.status_port, list(config.vendors)) == (
        "0.0.0.0",
        9464,
        ["erp"],
    )
    # the image links its inventory_service package under /opt/orderloom/share (Dockerfile)
    image_share = "/opt/orderloom/share/"
    checkout = f"{ROOT / 'services' / 'inventory'}/"
    text = maps["rel-orderloom-schedules"]["schedules.toml"]
    assert text.count(image_share) == 2
    schedules = tmp_path / "schedules.toml"
    schedules.write_text(text.replace(image_share, checkout))
    assert [s.workflow for s in load_schedules(schedules)] == ["InventorySync", "ProductSync"]
