"""The routes whose request body is a file, streamed: exempt from the JSON body guards."""

from __future__ import annotations

from typing import Final

from tessera.presentation.web.paths import CONSOLE_UPLOAD_PATH

UPLOAD_PATH: Final = "/v1/uploads"
# The request context's size limit and JSON-only rule, and the idempotency middleware (which
# reads the body to fingerprint it), leave these paths alone; the route holds the file to the
# attachment size limit while it streams.
STREAMED_PATHS: Final = frozenset({UPLOAD_PATH, CONSOLE_UPLOAD_PATH})
