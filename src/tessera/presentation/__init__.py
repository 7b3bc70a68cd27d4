"""The presentation layer: the HTTP API and the command line."""
