"""Use cases about the event consumers themselves: their dead letters."""
