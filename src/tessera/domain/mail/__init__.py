"""Inbound e-mail: what a received message says, and the rules that sort it."""
