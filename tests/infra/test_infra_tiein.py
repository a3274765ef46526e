"""The templates and the code agree: Cosmos containers, app settings, Key Vault secrets, storage names.

Everything here is read from the code (``Settings``, ``CONTAINERS``, ``host.json``, the function
metadata), so a setting or container added to the app without its infra counterpart fails here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import tree_sitter
from bicep_reader import ROOT, NotLiteral, literal, main, module, object_properties, text
from pydantic import SecretStr

from reddytalk.settings import Settings
from reddytalk.stores.containers import CONTAINERS, cosmos_indexing_policy

# Settings that exist for local runs, demos and tests only; Azure must keep their defaults.
LOCAL_ONLY = {
    "clock_fixed_at": "freezes the receptionist's clock for demos and tests; in Azure it must be the real clock",
    "speech_service_host": "points the Speech SDK at a local stand-in or container; Azure uses the region",
    "openai_base_url": "points the OpenAI SDK at a local stand-in; Azure uses the SDK default",
    "elevenlabs_base_url": "points the ElevenLabs SDK at a local stand-in; Azure uses the SDK default",
}

# SecretStr settings that are deliberately not Key Vault references.
NOT_FROM_KEY_VAULT = {
    "applicationinsights_connection_string": (
        "names the ingestion endpoint only: local auth is off on the component, so writing "
        "telemetry needs the app's Entra ID token (APPLICATIONINSIGHTS_AUTHENTICATION_STRING)"
    ),
}


def app_settings() -> dict[str, tree_sitter.Node]:
    return object_properties(module("appsettings").variable("reddytalkSettings"))


def all_app_setting_names() -> set[str]:
    settings = module("appsettings")
    names: set[str] = set()
    for var in ("reddytalkSettings", "hostSettings", "durableTaskSchedulerSettings"):
        names |= set(object_properties(settings.variable(var)))
    return names


def is_secret(field: str) -> bool:
    return Settings.model_fields[field].annotation is SecretStr


def key_vault_secret_names() -> set[str]:
    return {
        literal(r.properties["name"])
        for r in module("keyvault").resources_of("Microsoft.KeyVault/vaults/secrets")
    }


def main_value(node: tree_sitter.Node) -> Any:
    """A module argument of main.bicep as a value: literals, main's variables and their members."""
    if node.type == "identifier":
        return literal(main().variable(text(node)))
    if node.type == "member_expression":
        obj, prop = node.named_children[0], node.named_children[-1]
        return main_value(obj)[text(prop)]
    return literal(node)


def resolved_app_settings() -> dict[str, str]:
    """The app settings whose Azure values are known without deploying (literals and main's variables).

    Key Vault references become a placeholder; values computed from deployment outputs are left out.
    """
    appsettings = module("appsettings")
    main_args: dict[str, tree_sitter.Node] = {}
    for node in main().root.named_children:
        if node.type == "module_declaration" and text(node.named_children[0]) == "appSettings":
            main_args = object_properties(object_properties(node.named_children[-1])["params"])
    params = appsettings.params()
    values: dict[str, str] = {}
    for name, node in app_settings().items():
        source = text(node)
        if "@Microsoft.KeyVault(" in source:
            # Stand-ins shaped like what Key Vault holds (secrets must be at least 32 characters).
            secret = "from-key-vault-" + "k" * 33
            values[name] = (
                f"Endpoint=https://from-key-vault.service.signalr.net;AccessKey={secret};Version=1.0;"
                if name == "AzureSignalRConnectionString"
                else secret
            )
            continue
        try:
            if node.type == "identifier" and text(node) in params:
                param = text(node)
                values[name] = str(
                    main_value(main_args[param]) if param in main_args else appsettings.param_default(param)
                )
            else:
                values[name] = str(literal(node))
        except (NotLiteral, KeyError):
            continue
    return values


def test_every_cosmos_container_matches_the_store_definitions() -> None:
    declared = literal(module("cosmos").variable("containers"))
    in_infra = {c["name"]: (c["partitionKey"], c.get("defaultTtl")) for c in declared}
    in_code = {c.name: (c.partition_path, c.default_ttl) for c in CONTAINERS.values()}
    assert in_infra == in_code
    assert len(declared) == len(in_infra), "a container is declared twice"


def test_every_cosmos_indexing_policy_matches_the_store_definitions() -> None:
    cosmos = module("cosmos")
    (containers,) = cosmos.resources_of("Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers")
    resource = object_properties(object_properties(containers.properties["properties"])["resource"])
    policy = object_properties(resource["indexingPolicy"])
    assert text(policy["compositeIndexes"]) == "contains(c, 'compositeIndexes') ? c.compositeIndexes : []"
    shared = {key: literal(value) for key, value in policy.items() if key != "compositeIndexes"}
    declared = {c["name"]: c.get("compositeIndexes", []) for c in literal(cosmos.variable("containers"))}
    for box in CONTAINERS.values():
        assert shared | {"compositeIndexes": declared[box.name]} == cosmos_indexing_policy(box), box.name
    assert any(declared.values()), "the patient search indexes are declared"


def test_the_cosmos_database_is_the_settings_default() -> None:
    assert (
        literal(main().variable("documentsDatabase")) == Settings.model_fields["documents_database"].default
    )


def test_every_setting_the_app_reads_is_set_on_the_function_app() -> None:
    settings = app_settings()
    expected = {Settings.env_name(f) for f in Settings.model_fields if f not in LOCAL_ONLY}
    missing = sorted(expected - set(settings))
    assert missing == [], f"add these to reddytalkSettings in infra/modules/appsettings.bicep: {missing}"
    unknown = sorted(set(settings) - {Settings.env_name(f) for f in Settings.model_fields})
    assert unknown == [], f"reddytalkSettings sets settings the app does not read: {unknown}"


def test_local_only_settings_are_real_and_stay_unset_in_azure() -> None:
    assert set(LOCAL_ONLY) <= set(Settings.model_fields)
    for field in LOCAL_ONLY:
        assert Settings.env_name(field) not in all_app_setting_names(), field
        assert not is_secret(field)


@pytest.mark.parametrize("field", [f for f in Settings.model_fields if is_secret(f)])
def test_secret_settings_are_key_vault_references_to_existing_secrets(field: str) -> None:
    value = text(app_settings()[Settings.env_name(field)])
    if field in NOT_FROM_KEY_VAULT:
        assert "@Microsoft.KeyVault(" not in value
        return
    assert value.startswith("'@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName="), value
    secret = value.split("SecretName=", 1)[1].split(")", 1)[0]
    assert secret in key_vault_secret_names(), f"keyvault.bicep declares no secret {secret}"


def test_non_secret_settings_are_not_key_vault_references() -> None:
    for field in Settings.model_fields:
        name = Settings.env_name(field)
        if not is_secret(field) and name in app_settings():
            assert "@Microsoft.KeyVault(" not in text(app_settings()[name]), name


def test_the_azure_values_are_valid_settings_and_choose_the_cloud_providers() -> None:
    values = resolved_app_settings()
    assert len(values) >= len(app_settings()) - 6, "most Azure values should be known before deploying"
    settings = Settings.from_env(values)
    assert settings.stt_chain == ["azure", "local"]
    assert settings.llm_provider == "azure_openai"


def test_the_voice_chain_starts_at_elevenlabs_only_when_its_key_is_given() -> None:
    node = main().variable("ttsProviders")
    assert node.type == "ternary_expression"
    condition, when_empty, when_given = node.named_children
    assert text(condition) == "empty(elevenLabsApiKey)"
    without_key = Settings.from_env({"TTS_PROVIDERS": literal(when_empty)}).tts_chain
    with_key = Settings.from_env({"TTS_PROVIDERS": literal(when_given)}).tts_chain
    assert "elevenlabs" not in without_key and without_key[0] == "azure"
    assert with_key[0] == "elevenlabs" and "azure" in with_key


def test_queue_and_blob_container_names_match_the_settings_defaults() -> None:
    containers = literal(main().variable("blobContainers"))
    defaults = {f: Settings.model_fields[f].default for f in Settings.model_fields}
    assert containers == {
        "recordings": defaults["recordings_container"],
        "utterances": defaults["utterances_container"],
        "ttsCache": defaults["tts_cache_container"],
    }
    assert literal(main().variable("trainingQueue")) == defaults["training_queue"]
    resolved = resolved_app_settings()
    for field in ("recordings_container", "utterances_container", "tts_cache_container", "training_queue"):
        assert resolved[Settings.env_name(field)] == defaults[field]


def test_the_durable_task_hub_is_the_one_host_json_names() -> None:
    host = json.loads((ROOT / "host.json").read_text())
    assert literal(main().variable("taskHubName")) == host["extensions"]["durableTask"]["hubName"]


def test_every_binding_connection_is_an_app_setting(function_index: Any) -> None:
    names = all_app_setting_names()
    prefixes = {n.split("__", 1)[0] for n in names if "__" in n}
    for info in function_index.functions.values():
        for binding in info.bindings:
            connection = binding.get("connection") or binding.get("connectionStringSetting")
            if connection:
                assert connection in names or connection in prefixes, (info.name, connection)
    # The SignalR bindings' default connection setting is the one the app's settings name.
    assert Settings.env_name("signalr_connection") in names


@pytest.fixture(scope="module")
def function_index() -> Any:
    from devhost.functions import load_app

    return load_app(Path(ROOT))
