import pytest

from reddytalk.errors import ConfigurationError
from reddytalk.settings import Settings


def test_defaults_are_embedded_and_need_no_environment() -> None:
    s = Settings.from_env({})
    assert s.stt_provider == "local"
    assert s.tts_chain == ["local"]
    assert s.documents_connection.get_secret_value().startswith("UseEmbeddedStorage=true")


def test_secrets_are_masked_in_repr() -> None:
    s = Settings.from_env(
        {"JWT_SECRET": "super-secret-value-0123456789abcdef", "OPENAI_API_KEY": "sk-live-123"}
    )
    text = repr(s) + str(s)
    assert "super-secret-value-0123456789abcdef" not in text
    assert "sk-live-123" not in text
    assert s.jwt_secret.get_secret_value() == "super-secret-value-0123456789abcdef"


def test_invalid_setting_names_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="TURN_MODE"):
        Settings.from_env({"TURN_MODE": "sideways"})
    with pytest.raises(ConfigurationError, match="TTS_PROVIDERS"):
        Settings.from_env({"TTS_PROVIDERS": "local,robot"})


def test_host_fixed_names_are_used() -> None:
    s = Settings.from_env(
        {
            "AzureSignalRConnectionString": "Endpoint=https://x;AccessKey=test-access-key-0123456789abcdef-0123;Version=1.0;"
        }
    )
    assert s.signalr_connection.get_secret_value().startswith("Endpoint=https://x")
