"""Live pages: the feed as it grows, fanned out in process, and who is on a ticket now."""
