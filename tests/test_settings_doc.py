"""docs/settings.md documents every setting: its env var with an Azure and a local value."""

from __future__ import annotations

from pathlib import Path

from reddytalk.settings import Settings

DOC = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def rows() -> dict[str, list[str]]:
    """Table rows of the doc keyed by the backticked env var in their first cell."""
    found: dict[str, list[str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) >= 4:
            found[cells[0].strip("`")] = cells
    return found


def test_every_setting_has_a_row_with_azure_and_local_values() -> None:
    table = rows()
    missing = [Settings.env_name(f) for f in Settings.model_fields if Settings.env_name(f) not in table]
    assert missing == [], f"add these settings to docs/settings.md: {missing}"
    for field in Settings.model_fields:
        cells = table[Settings.env_name(field)]
        assert all(cells[1:4]), f"{Settings.env_name(field)} needs what-it-is, Azure and local values"


def test_the_doc_names_no_setting_that_does_not_exist() -> None:
    known = {Settings.env_name(f) for f in Settings.model_fields}
    stale = [name for name in rows() if name not in known and "=" not in name]
    assert stale == [], f"docs/settings.md lists settings the app does not read: {stale}"


def test_secrets_are_key_vault_references_in_azure() -> None:
    table = rows()
    for field, info in Settings.model_fields.items():
        if "SecretStr" in str(info.annotation) and field != "applicationinsights_connection_string":
            azure_value = table[Settings.env_name(field)][2]
            assert "KeyVault" in azure_value or "Key Vault" in azure_value, Settings.env_name(field)
