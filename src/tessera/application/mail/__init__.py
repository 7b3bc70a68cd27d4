"""Use cases of the inbound e-mail channel."""
