"""Blob storage adapters: the filesystem (embedded) and S3-compatible object storage."""
