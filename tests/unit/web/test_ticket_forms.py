"""The ticket page's form fields and its Server-Sent Events, read and written exactly."""

from __future__ import annotations

import pytest
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from tessera.application.tickets.stale_edit import TicketFields
from tessera.domain.errors import DomainValidationError, FieldError, TesseraError
from tessera.presentation.web.routes.console_ticket_live import sse
from tessera.presentation.web.ticket_forms import (
    error_message,
    optional_id,
    path_id,
    ticket_fields,
    version_of,
)


@pytest.mark.parametrize("raw", ["0", "abc", "-1", "1.5", "١٢", str(2**63), ""])
def test_a_path_that_names_no_id_is_no_such_page(raw: str) -> None:
    with pytest.raises(HTTPException) as caught:
        path_id(raw)
    assert caught.value.status_code == 404


def test_a_path_id_is_read_as_a_number() -> None:
    assert path_id("42") == 42


def test_the_sidebar_reads_what_was_seen_and_what_is_wanted() -> None:
    form = FormData(
        [
            ("version", "7"),
            ("seen_status", "open"), ("seen_priority", "medium"),
            ("seen_group_id", ""), ("seen_assignee_id", "3"),
            ("status", "pending"), ("priority", "medium"), ("group_id", "2"), ("assignee_id", ""),
        ]
    )  # fmt: skip
    assert version_of(form) == 7
    assert ticket_fields(form, prefix="seen_") == TicketFields(
        status="open", priority="medium", group_id=None, assignee_id=3
    )
    assert ticket_fields(form) == TicketFields(
        status="pending", priority="medium", group_id=2, assignee_id=None
    )


@pytest.mark.parametrize("raw", ["x", "1e3", "٣"])
def test_an_id_that_is_no_number_is_a_validation_error(raw: str) -> None:
    with pytest.raises(DomainValidationError):
        optional_id(FormData([("group_id", raw)]), "group_id")


@pytest.mark.parametrize("raw", ["", "0", "v3", str(2**31)])
def test_a_missing_or_impossible_version_is_a_validation_error(raw: str) -> None:
    with pytest.raises(DomainValidationError):
        version_of(FormData([("version", raw)]))


def test_errors_read_field_by_field() -> None:
    error = DomainValidationError(
        [FieldError("body", "must not be empty"), FieldError("assignee_id", "7 is not an agent")]
    )
    assert error_message(error) == "Reply: must not be empty; Assignee: 7 is not an agent"
    assert error_message(TesseraError("Closed tickets take no replies")) == (
        "Closed tickets take no replies"
    )


def test_an_event_puts_each_line_of_its_data_on_a_data_line() -> None:
    assert sse("presence", "<ul>\n<li>Ada is viewing</li>\n</ul>") == (
        b"event: presence\ndata: <ul>\ndata: <li>Ada is viewing</li>\ndata: </ul>\n\n"
    )
    assert sse("ticket", "ticket.updated", event_id=12) == (
        b"id: 12\nevent: ticket\ndata: ticket.updated\n\n"
    )
    assert sse("presence", "") == b"event: presence\ndata: \n\n"
