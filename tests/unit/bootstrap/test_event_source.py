"""TESSERA_EVENT_SOURCE: the CloudEvents ``source`` of the deployment, by default its namespace."""

from __future__ import annotations

import pytest

from tessera.bootstrap.settings import Settings, load_settings
from tessera.bootstrap.settings.errors import InvalidSettingsError


def test_the_source_defaults_to_the_namespace_and_can_be_named() -> None:
    assert Settings().cloud_event_source == "/tessera"
    assert Settings(namespace="eu-support").cloud_event_source == "/eu-support"
    named = Settings(namespace="eu-support", event_source="https://support.example.com")
    assert named.cloud_event_source == "https://support.example.com"


def test_the_source_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TESSERA_EVENT_SOURCE", "urn:example:tessera:eu")
    assert Settings().cloud_event_source == "urn:example:tessera:eu"


@pytest.mark.parametrize("bad", ["", "two words", "x" * 201])
def test_a_source_that_is_no_uri_reference_is_refused(
    monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    monkeypatch.setenv("TESSERA_EVENT_SOURCE", bad)
    load_settings.cache_clear()
    with pytest.raises(InvalidSettingsError, match="TESSERA_EVENT_SOURCE"):
        load_settings()
