"""Request and response schemas: validation at the boundary, and the OpenAPI document."""
