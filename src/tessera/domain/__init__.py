"""The domain layer: tickets, their rules and events. Imports nothing but the standard library."""
