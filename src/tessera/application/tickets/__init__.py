"""Ticket use cases, their commands, queries and views."""
