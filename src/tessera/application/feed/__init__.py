"""Reading events back: a ticket's history, and the changes feed of every event."""
