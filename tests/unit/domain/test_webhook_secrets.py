"""Webhook secrets: the Standard Webhooks form, and the overlap after a rotation."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from tessera.domain.errors import DomainValidationError
from tessera.domain.webhooks.webhook import Webhook, parse_secret, secret_key

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KEY = bytes(range(32))
SECRET = "whsec_" + base64.b64encode(KEY).decode()


def _webhook() -> Webhook:
    return Webhook(
        id=1,
        url="https://hooks.example.com",
        event_types=frozenset(),
        secret=SECRET,
        description=None,
        created_at=NOW,
    )


def test_the_key_is_the_decoded_base64_after_the_prefix() -> None:
    assert secret_key(SECRET) == KEY
    assert parse_secret(SECRET) == SECRET


@pytest.mark.parametrize(
    "bad",
    [
        "whsec_" + base64.urlsafe_b64encode(b"\xfb" * 32).decode().rstrip("="),  # URL-safe
        "whsec_" + base64.b64encode(b"k" * 23).decode(),  # under 192 bits
        "whsec_" + base64.b64encode(b"k" * 65).decode(),  # over 512 bits
        base64.b64encode(KEY).decode(),  # no prefix
        "whsec_",
    ],
)
def test_a_secret_that_is_not_whsec_and_standard_base64_of_a_fitting_key_is_refused(
    bad: str,
) -> None:
    with pytest.raises(DomainValidationError):
        parse_secret(bad)


def test_after_a_rotation_both_secrets_sign_for_24_hours_then_only_the_new_one() -> None:
    webhook = _webhook()
    assert webhook.signing_secrets(NOW) == [SECRET]
    webhook.rotate_secret("whsec_new", now=NOW)
    assert webhook.signing_secrets(NOW + timedelta(hours=23, minutes=59)) == [
        "whsec_new",
        SECRET,
    ]
    assert webhook.signing_secrets(NOW + timedelta(hours=24)) == ["whsec_new"]
    webhook.rotate_secret("whsec_newer", now=NOW + timedelta(hours=1))
    assert webhook.signing_secrets(NOW + timedelta(hours=2)) == ["whsec_newer", "whsec_new"]


def test_a_disabled_webhook_wants_nothing_until_enabled() -> None:
    webhook = _webhook()
    assert webhook.wants("ticket.created")
    webhook.disable("it kept failing", now=NOW)
    assert (webhook.active, webhook.disabled_reason, webhook.disabled_at) == (
        False,
        "it kept failing",
        NOW,
    )
    assert not webhook.wants("ticket.created")
    webhook.enable()
    assert (webhook.active, webhook.disabled_reason, webhook.disabled_at) == (True, None, None)
    assert webhook.wants("ticket.created")
