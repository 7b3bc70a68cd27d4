"""The application layer: use cases, commands, queries, views and the ports they need."""
