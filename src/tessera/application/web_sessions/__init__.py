"""Use cases of the browser pages: log in with a password, find who a session belongs to, log
out."""
