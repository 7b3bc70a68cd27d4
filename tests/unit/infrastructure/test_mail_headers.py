"""The mail identity (Message-ID domain, plus-tagged reply address) and the message builder,
parsed back with the ``email`` package as a mail client would."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from pydantic import ValidationError

from tessera.bootstrap.settings import MailSettings
from tessera.infrastructure.email.identity import MailIdentity, new_token
from tessera.infrastructure.email.sender import build_mail, sender_address

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_by_default_the_mail_domain_and_reply_address_are_the_senders() -> None:
    identity = MailSettings(sender="Acme Support <Help@Acme.Example>").identity()
    assert identity.domain == "acme.example"
    assert identity.reply_address("abc") == "help+abc@acme.example"


def test_a_configured_domain_and_reply_address_are_used() -> None:
    identity = MailSettings(
        sender="Acme <noreply@acme.example>",
        domain="mail.acme.example",
        reply_to="Support <support@replies.acme.example>",
    ).identity()
    assert identity.message_id(ticket_id=7, event_id="e", kind="k").endswith("@mail.acme.example>")
    assert identity.reply_address("abc") == "support+abc@replies.acme.example"
    assert MailSettings(domain="mail.acme.example").identity().reply_address("x") == (
        "support+x@mail.acme.example"
    )


@pytest.mark.parametrize(
    ("settings", "variable"),
    [
        ({"domain": "acme example"}, "domain"),
        ({"domain": "-acme.example"}, "domain"),
        ({"domain": "acme..example"}, "domain"),
        ({"reply_to": "support+tagged@acme.example"}, "reply_to"),  # the tag would be ambiguous
        ({"reply_to": "no address"}, "reply_to"),
        ({"reply_to": "s\u00fcpport@acme.example"}, "reply_to"),
        ({"reply_to": "support@not_a_domain"}, "reply_to"),
        ({"sender": "Support"}, "sender"),
        ({"sender": "support+x@acme.example"}, "reply_to"),  # the default reply address
        ({"sender": "support@b\u00fccher.example"}, "domain"),  # the default mail domain
    ],
)
def test_an_unusable_domain_or_reply_address_is_refused_naming_its_setting(
    settings: dict[str, str], variable: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        MailSettings.model_validate(settings)
    [error] = refused.value.errors(include_input=False)
    assert error["loc"] == (variable,)
    assert all(value not in error["msg"] for value in settings.values())


def test_a_sender_that_cannot_serve_as_a_default_is_fine_when_both_are_set() -> None:
    identity = MailSettings(
        sender="support+x@b\u00fccher.example",
        domain="mail.acme.example",
        reply_to="help@acme.example",
    ).identity()
    assert identity.reply_address("t") == "help+t@acme.example"
    assert identity.domain == "mail.acme.example"


def test_message_ids_are_stable_per_event_and_kind_and_distinct_otherwise() -> None:
    identity = MailIdentity.configure(sender="s@acme.example", domain=None, reply_to=None)
    one = identity.message_id(ticket_id=1, event_id="e1", kind="agent_reply")
    assert one == identity.message_id(ticket_id=1, event_id="e1", kind="agent_reply")
    others = {
        identity.message_id(ticket_id=1, event_id="e2", kind="agent_reply"),
        identity.message_id(ticket_id=1, event_id="e1", kind="ticket_received"),
    }
    assert one not in others
    assert len(others) == 2


def test_tokens_are_random_and_fit_a_lower_case_local_part() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(t) == 16 and t.isalnum() and t == t.lower() for t in tokens)


def _row(**values: Any) -> dict[str, Any]:
    return {
        "event_id": "8b0f8e43-7c7d-4a43-9bfb-3f4f1a0b1c2d",
        "kind": "agent_reply",
        "recipient": "ada@example.com",
        "subject": "Re: [#7] <Printer> & co",
        "text_body": "Hello <b>Ada</b>",
        "html_body": "<p>Hello &lt;b&gt;Ada&lt;/b&gt;</p>",
        "message_id": "<t7.2@mail.acme.example>",
        "in_reply_to": "<t7.1@mail.acme.example>",
        "reference_ids": "<t7.0@mail.acme.example> <t7.1@mail.acme.example>",
        "reply_to": "help+abc@mail.acme.example",
    } | values


def _parsed(row: dict[str, Any]) -> EmailMessage:
    built = build_mail(row, sender=sender_address("Acme Support <help@acme.example>"), now=NOW)
    message = message_from_bytes(built.content, policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert not message.defects
    return message


def test_the_first_mail_of_a_ticket_has_no_parent_to_name() -> None:
    message = _parsed(_row(in_reply_to=None, reference_ids=None))
    assert message["Message-ID"] == "<t7.2@mail.acme.example>"
    assert message["In-Reply-To"] is None
    assert message["References"] is None
    assert message["Reply-To"] == "Acme Support <help+abc@mail.acme.example>"


def test_a_threaded_notification_carries_every_header_of_a_good_citizen() -> None:
    message = _parsed(_row())
    assert message["Date"].datetime == NOW
    assert message["Message-ID"] == "<t7.2@mail.acme.example>"
    assert message["In-Reply-To"] == "<t7.1@mail.acme.example>"
    assert message["References"].split() == ["<t7.0@mail.acme.example>", "<t7.1@mail.acme.example>"]
    assert message["Reply-To"] == "Acme Support <help+abc@mail.acme.example>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Auto-Response-Suppress"] == "OOF, AutoReply"
    assert message["Subject"] == "Re: [#7] <Printer> & co"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None
    assert html is not None
    assert text.get_content().strip() == "Hello <b>Ada</b>"
    assert html.get_content().strip() == "<p>Hello &lt;b&gt;Ada&lt;/b&gt;</p>"
