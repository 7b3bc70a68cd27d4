"""Ports: the Protocols the use cases need, implemented by infrastructure adapters."""
