"""The admin pages' form reading: use case errors placed beside their fields, ids and
cursors read safely from what a browser sends."""

from __future__ import annotations

from starlette.datastructures import FormData

from tessera.application.errors import ConflictError, EmailTakenError
from tessera.domain.errors import DomainValidationError, FieldError
from tessera.presentation.web.admin_forms import (
    GENERAL,
    FormErrors,
    after,
    ids,
    optional_id,
    secret_text,
    text,
)
from tessera.presentation.web.routes.console_admin_setup import domains_of, mailbox_command


def test_each_invalid_field_gets_its_own_message() -> None:
    error = DomainValidationError(
        [FieldError("name", "must be 1 to 200 characters"), FieldError("time_zone", "bad")]
    )
    errors = FormErrors.of(error)
    assert errors.get("name") == "must be 1 to 200 characters"
    assert errors.get("time_zone") == "bad"
    assert errors.get(GENERAL) == "Validation failed"
    assert errors.get("email") == ""


def test_two_messages_for_one_field_are_both_kept() -> None:
    error = DomainValidationError([FieldError("url", "one"), FieldError("url", "two")])
    assert FormErrors.of(error).get("url") == "one; two"


def test_a_taken_email_goes_beside_the_email_field() -> None:
    assert FormErrors.of(EmailTakenError()).get("email") == "is taken"


def test_a_conflict_naming_no_field_goes_where_the_form_says() -> None:
    error = ConflictError("A mailbox with this address exists")
    assert FormErrors.of(error, conflict_field="address").by_field == {
        "address": "A mailbox with this address exists"
    }
    assert FormErrors.of(error).get(GENERAL) == "A mailbox with this address exists"
    assert not FormErrors()


def test_ids_are_positive_integers_and_anything_else_is_none() -> None:
    assert optional_id("12") == 12
    for raw in ("", "0", "-3", "1.5", "١٢", "9" * 30, "abc"):
        assert optional_id(raw) is None
    assert after(None) == 0 and after("x") == 0 and after("40") == 40


def test_form_values_are_read_as_text_and_passwords_as_typed() -> None:
    form = FormData(
        [
            ("name", "  Ann  "),
            ("password", " spaced "),
            ("groups", "3"),
            ("groups", "x"),
            ("groups", "5"),
        ]
    )
    assert text(form, "name") == "Ann"
    assert text(form, "missing") == ""
    assert secret_text(form, "password") == " spaced "
    assert secret_text(form, "missing") is None
    assert ids(form, "groups") == frozenset({3, 5})


def test_domains_are_read_one_a_line_or_comma_separated() -> None:
    assert domains_of(" a.example\n\nb.example, c.example ,") == (
        "a.example",
        "b.example",
        "c.example",
    )


def test_a_mailbox_form_becomes_the_command_and_an_empty_password_keeps_the_stored_one() -> None:
    form = FormData(
        [
            ("address", "help@example.com"),
            ("group_id", "4"),
            ("kind", "imap"),
            ("host", "h"),
            ("port", "143"),
            ("tls", "starttls"),
            ("user", "u"),
            ("password", ""),
            ("folder", ""),
        ]
    )
    command = mailbox_command(form)
    assert command.address == "help@example.com" and command.group_id == 4
    assert command.intake.port == 143 and command.intake.tls == "starttls"
    assert command.intake.password is None and command.intake.folder == "INBOX"
    assert mailbox_command(FormData([("port", "1234567")])).intake.port == 0
    assert mailbox_command(FormData([("group_id", "x")])).group_id is None
