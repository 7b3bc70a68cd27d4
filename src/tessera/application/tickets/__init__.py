"""Ticket use cases and their commands."""
