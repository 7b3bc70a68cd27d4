"""Attachments: files uploaded first, then attached to a ticket or one of its comments."""
