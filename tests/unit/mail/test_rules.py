"""The pure rules of the inbound channel: noise, the body limit, and the threading clues."""

from __future__ import annotations

import pytest

from tessera.domain.mail.message import MalformedMailError
from tessera.domain.mail.noise import automatic_reason
from tessera.domain.mail.threading import body_tokens, reply_token, subject_ticket_id
from tessera.infrastructure.mail_intake.parsing import parse_mail

PLAIN = b"From: Ada <ada@example.org>\r\nSubject: Hi\r\nMessage-ID: <a@example.org>\r\n"


def test_auto_submitted_no_is_a_person_writing() -> None:
    mail = parse_mail(PLAIN + b"Auto-Submitted: no\r\n\r\nHello there, a question.\r\n")
    assert mail.automatic is None


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("auto-submitted", "auto-generated"),
        ("precedence", "junk"),
        ("precedence", "list"),
        ("precedence", "auto_reply"),
        ("x-auto-response-suppress", "OOF, AutoReply"),
        ("x-autoreply", "yes"),
    ],
)
def test_each_machine_header_marks_the_mail_automatic(header: str, value: str) -> None:
    assert automatic_reason({header: value}, sender="a@example.org", content_type="text/plain")


def test_a_first_class_precedence_is_a_person_writing() -> None:
    assert (
        automatic_reason(
            {"precedence": "first-class"}, sender="a@b.example", content_type="text/plain"
        )
        is None
    )


def test_text_over_the_body_limit_is_malformed_with_its_reason() -> None:
    raw = PLAIN + b"\r\n" + b"x" * 2000 + b"\r\n"
    assert parse_mail(raw, body_limit=4000).text.startswith("x")
    with pytest.raises(MalformedMailError, match="over the limit of 1000 bytes"):
        parse_mail(raw, body_limit=1000)


def test_reply_token_needs_the_reply_local_part_and_domain() -> None:
    token = "mfrggzdfmztwq2lk"
    kwargs = {"local_part": "support", "domain": "support.example.com"}
    assert reply_token(f"support+{token}@support.example.com", **kwargs) == token
    assert reply_token(f"Support+{token.upper()}@Support.Example.com", **kwargs) == token
    assert reply_token(f"sales+{token}@support.example.com", **kwargs) is None
    assert reply_token(f"support+{token}@other.example", **kwargs) is None
    assert reply_token("support+short@support.example.com", **kwargs) is None
    assert reply_token("support@support.example.com", **kwargs) is None


def test_body_tokens_and_subject_ids_are_found_where_they_are_written() -> None:
    assert body_tokens("> [ref:mfrggzdfmztwq2lk]\n> [REF:MFRGGZDFMZTWQ2LK]") == (
        "mfrggzdfmztwq2lk",
    )
    assert body_tokens("ref:mfrggzdfmztwq2lk") == ()
    assert subject_ticket_id("Re: [#42] Printer") == 42
    assert subject_ticket_id("Re: #42 Printer") is None
