"""The ticket's response schema is derived from ``TicketView`` and stays in step with it."""

from __future__ import annotations

import dataclasses

import orjson
import pytest

from tessera.application.views import TicketView
from tessera.presentation.http.rendering import json_response
from tessera.presentation.http.schemas.tickets import TicketResponse
from tessera.presentation.http.schemas.views import response_schema
from tests.support import make_ticket


def test_the_response_has_the_views_fields_in_the_views_order() -> None:
    assert list(TicketResponse.model_fields) == [f.name for f in dataclasses.fields(TicketView)]


def test_a_rendered_view_is_valid_against_the_response_schema_and_loses_nothing() -> None:
    ticket = make_ticket(tags=("login", "web"))
    ticket.id, ticket.assignee_id, ticket.merged_into_id = 41, 7, 42
    ticket.closed_at = ticket.created_at
    body = bytes(json_response(TicketView.of(ticket)).body)

    parsed = TicketResponse.model_validate_json(body)

    assert parsed.model_dump(mode="json") == orjson.loads(body)


def test_the_enums_of_the_http_contract_are_kept_in_the_schema() -> None:
    properties = TicketResponse.model_json_schema()["properties"]
    assert properties["status"] == {"$ref": "#/$defs/Status"}
    assert properties["merged_into_id"]["description"] == "Set when merged into another ticket"


def test_an_override_of_a_field_the_view_does_not_have_is_refused() -> None:
    with pytest.raises(TypeError, match="colour"):
        response_schema(TicketView, colour=(str, ...))
