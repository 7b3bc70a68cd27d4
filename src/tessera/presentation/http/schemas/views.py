"""Response schemas derived from the application's views, so the two cannot drift apart."""

from __future__ import annotations

import dataclasses
from typing import Any, get_type_hints

from pydantic import BaseModel, ConfigDict, create_model


def response_schema(
    view: type[Any], *, example: dict[str, Any] | None = None, **http: Any
) -> type[BaseModel]:
    """The OpenAPI model of a view: its fields, in its order, with its types, except where
    the HTTP contract says more (``http``: ``(type, default or FieldInfo)``, e.g. an enum
    instead of a plain string, or a description), with ``example`` as the schema's example.
    ``TicketView`` gives ``TicketResponse``.

    Routes serialise the view itself; the model only describes it, so a field added to the
    view appears in the schema without being written a second time.
    """
    hints = get_type_hints(view)
    fields: dict[str, Any] = {
        f.name: http.get(f.name, (hints[f.name], ...)) for f in dataclasses.fields(view)
    }
    unknown = set(http) - set(fields)
    if unknown:
        raise TypeError(f"{view.__name__} has no fields {sorted(unknown)}")
    name = view.__name__.removesuffix("View") + "Response"
    config = ConfigDict(json_schema_extra={"examples": [example]} if example else None)
    model: type[BaseModel] = create_model(name, __config__=config, **fields)
    return model
