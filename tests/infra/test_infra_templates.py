"""The Bicep templates parse, compose, and say what the seed asks for (names, roles, budgets, alerts)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bicep_reader import (
    INFRA,
    ROOT,
    BicepFile,
    bicep_files,
    literal,
    main,
    module,
    object_properties,
    syntax_errors,
    text,
)


@pytest.mark.parametrize("path", bicep_files(), ids=lambda p: str(p.relative_to(INFRA)))
def test_every_bicep_file_parses_without_error_or_missing_nodes(path: Path) -> None:
    assert syntax_errors(path.read_bytes()) == []


def test_the_parser_reports_broken_bicep() -> None:
    broken = (
        b"param name string\nresource sa 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: name\n"
    )
    assert syntax_errors(broken)
    assert syntax_errors(b"var x = {\n  a: 'unterminated\n}\n")


def test_main_is_a_subscription_deployment_that_creates_the_resource_group() -> None:
    source = main().source.decode()
    assert re.search(r"^targetScope = 'subscription'$", source, re.M)
    groups = main().resources_of("Microsoft.Resources/resourceGroups")
    assert len(groups) == 1
    names = literal_names()
    assert names["resourceGroup"] == "rg-reddytalk-${env}"
    assert text(main().variable("env")) == "toLower(environmentName)"


def literal_names() -> dict[str, str]:
    """The `names` variable of main.bicep with interpolations kept as source text."""
    node = main().variable("names")
    return {key: text(value).strip("'") for key, value in object_properties(node).items()}


def test_resources_keep_the_seed_names_with_an_environment_suffix() -> None:
    names = literal_names()
    seed = {
        "staticWebApp": "swa-reddytalk-frontend",
        "functionApp": "func-reddytalk-api",
        "dataStorage": "streddytalkdata",
        "appInsights": "ai-reddytalk-monitoring",
        "signalr": "signalr-reddytalk",
        "cosmos": "cosmos-reddytalk-data",
        "openAi": "openai-reddytalk-gpt",
        "speech": "speech-reddytalk-stt",
        "keyVault": "kv-reddytalk",
    }
    for key, prefix in seed.items():
        assert names[key].startswith(prefix), (key, names[key])
        assert "${env}" in names[key] or "${token}" in names[key], key
    # Storage account names: 3-24 lowercase letters and digits; the token is 6 characters.
    for key in ("dataStorage", "runtimeStorage"):
        assert re.fullmatch(r"[a-z0-9]+\$\{token\}", names[key])
        assert len(names[key].replace("${token}", "x" * 6)) <= 24
    assert len(names["keyVault"].replace("${token}", "x" * 6)) <= 24


def test_every_module_main_uses_exists_and_every_module_is_used() -> None:
    used = {(INFRA / path).resolve() for path in main().modules().values()}
    for path in used:
        assert path.is_file(), path
    on_disk = {p.resolve() for p in (INFRA / "modules").glob("*.bicep")}
    assert on_disk - used == set(), "modules nobody composes"


def test_module_parameters_passed_by_main_exist_and_required_ones_are_passed() -> None:
    for node in main().root.named_children:
        if node.type != "module_declaration":
            continue
        path = INFRA / literal(node.named_children[1])
        body = node.named_children[-1]
        while body.type in ("if_statement", "for_statement"):
            body = body.named_children[-1]
        passed = set(object_properties(object_properties(body)["params"]))
        declared = BicepFile(path).params()
        required = {name for name, default in declared.items() if default is None}
        assert passed - set(declared) == set(), f"{path.name}: unknown params {passed - set(declared)}"
        assert required - passed == set(), f"{path.name}: missing params {required - passed}"


def test_azd_parameters_file_names_only_declared_parameters_and_every_required_one() -> None:
    params = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    declared = main().params()
    assert set(params) - set(declared) == set()
    required = {name for name, default in declared.items() if default is None}
    assert required - set(params) == set()
    assert params["environmentName"]["value"] == "${AZURE_ENV_NAME}"


def test_azure_yaml_points_azd_at_the_templates_and_the_function_app() -> None:
    import yaml

    config = yaml.safe_load((ROOT / "azure.yaml").read_text())
    assert config["infra"] == {"provider": "bicep", "path": "infra", "module": "main"}
    api = config["services"]["api"]
    assert api["host"] == "function" and api["language"] == "python"
    assert (ROOT / api["project"] / "function_app.py").is_file()


ROLE_IDS = {
    "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
    "974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor",
    "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": "Storage Table Data Contributor",
    "4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
    "420fcaa2-552c-430f-98ca-3264be4806c7": "SignalR App Server",
    "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd": "Cognitive Services OpenAI User",
    "a97b65f3-24c7-4388-baec-2e87135dc908": "Cognitive Services User",
}


def test_the_function_app_identity_gets_every_role_it_needs() -> None:
    rbac = module("rbac")
    roles = literal(rbac.variable("roles"))
    assignments = rbac.resources_of("Microsoft.Authorization/roleAssignments")
    assigned = set()
    for assignment in assignments:
        definition = text(assignment.properties["properties"])
        for key, role_id in roles.items():
            if f"roles.{key})" in definition:
                assigned.add(role_id)
    assert set(ROLE_IDS) - assigned == set(), [ROLE_IDS[r] for r in set(ROLE_IDS) - assigned]
    cosmos = rbac.resources_of("Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments")
    assert len(cosmos) == 1
    assert literal(rbac.variable("cosmosDataContributor")) == "00000000-0000-0000-0000-000000000002"


def test_every_role_assignment_is_named_with_guid() -> None:
    for path in bicep_files():
        bicep = BicepFile(path)
        for resource in bicep.resources():
            if resource.resource_type.endswith(("/roleAssignments", "/sqlRoleAssignments")):
                name = text(resource.properties["name"])
                assert name.startswith("guid("), f"{path.name}:{resource.symbol} is named {name}"


def test_the_monthly_budget_notifies_at_50_80_95_percent_and_forecasts_150() -> None:
    assert main().param_default("monthlyBudget") == 1000
    budget = module("budgets").resources_of("Microsoft.Consumption/budgets")[0]
    props = object_properties(budget.properties["properties"])
    assert literal(props["timeGrain"]) == "Monthly"
    notifications = object_properties(props["notifications"])
    seen = set()
    for node in notifications.values():
        fields = object_properties(node)
        seen.add((literal(fields["threshold"]), literal(fields["thresholdType"])))
    assert seen == {(50, "Actual"), (80, "Actual"), (95, "Actual"), (150, "Forecasted")}


def test_alerts_cover_the_seed_rollback_triggers_and_throttling() -> None:
    alerts = module("alerts")
    assert alerts.param_default("failureRatePercent") == 5
    assert alerts.param_default("responseTimeMs") == 3000
    metrics = {
        m
        for r in alerts.resources_of("Microsoft.Insights/metricAlerts")
        for m in re.findall(r"metricName: '([^']+)'", r.source)
    }
    assert {"requests/duration", "dependencies/failed", "TotalRequests"} <= metrics
    throttling = next(r for r in alerts.resources() if "'TotalRequests'" in r.source)
    assert "'429'" in throttling.source
    log_alert = alerts.resources_of("Microsoft.Insights/scheduledQueryRules")[0]
    assert "success == false" in log_alert.source and "failureRatePercent" in log_alert.source
    assert alerts.resources_of("Microsoft.Insights/actionGroups")


def test_blob_lifecycle_cools_after_30_days_and_keeps_the_tts_cache_short() -> None:
    data = next(
        n
        for n in main().root.named_children
        if n.type == "module_declaration" and text(n.named_children[0]) == "dataStorage"
    )
    params = object_properties(object_properties(data.named_children[-1])["params"])
    assert literal(params["coolAfterDays"]) == 30
    assert text(params["shortLivedContainers"]).count("ttsCache") == 1
    assert "ttsCache" not in text(params["retainedContainers"])
    # tts-cache audio can name a patient: at most 30 days, enforced by the parameter's bounds.
    assert main().param_default("ttsCacheRetentionDays") <= 30
    assert "@maxValue(30)\nparam ttsCacheRetentionDays" in main().source.decode()
    storage = module("storage")
    retained, short_lived = text(storage.variable("retainRule")), text(storage.variable("shortLivedRule"))
    assert "tierToCool" in retained and "daysAfterModificationGreaterThan: retentionDays" in retained
    assert "tierToCool" not in short_lived
    assert "daysAfterModificationGreaterThan: shortLivedDays" in short_lived
    assert storage.param_default("allowSharedKeyAccess") is False
    account = storage.resources_of("Microsoft.Storage/storageAccounts")[0]
    props = object_properties(account.properties["properties"])
    assert literal(props["minimumTlsVersion"]) == "TLS1_2"
    assert literal(props["allowBlobPublicAccess"]) is False


def test_only_the_runtime_account_goes_without_shared_keys() -> None:
    flags = {}
    for node in main().root.named_children:
        if node.type == "module_declaration" and literal(node.named_children[1]) == "modules/storage.bicep":
            params = object_properties(object_properties(node.named_children[-1])["params"])
            flags[text(node.named_children[0])] = literal(params["allowSharedKeyAccess"])
    assert flags == {"dataStorage": True, "runtimeStorage": False}
