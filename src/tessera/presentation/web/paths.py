"""Where the web pages live: the API's middleware treats these paths as pages (forms are
accepted, a page's content security policy, a session's rate-limit bucket)."""

from __future__ import annotations

from typing import Final

CONSOLE: Final = "/console"
PORTAL: Final = "/portal"
STATIC: Final = "/static"
WEB_PREFIXES: Final = (CONSOLE, PORTAL, STATIC)
# The ticket page's upload: its body is a file, streamed (the API's body guards leave it alone).
CONSOLE_UPLOAD_PATH: Final = f"{CONSOLE}/uploads"
SESSION_COOKIE: Final = "tessera_session"
LOGIN_CSRF_COOKIE: Final = "tessera_login_csrf"
CSRF_FIELD: Final = "csrf_token"
CSRF_HEADER: Final = "X-CSRF-Token"
# Scripts, styles and the live stream come from this origin only; nothing inline, no eval.
PAGE_CSP: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def is_web_path(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in WEB_PREFIXES)
