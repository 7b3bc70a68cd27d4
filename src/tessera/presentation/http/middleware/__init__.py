"""Pure ASGI middleware (no BaseHTTPMiddleware: it costs a task and a queue per request)."""
