"""Attachment use cases: upload, attach to tickets and comments, download, sweep."""
