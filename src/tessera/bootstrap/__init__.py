"""The composition root: settings, the container that wires adapters to ports, entry points."""
