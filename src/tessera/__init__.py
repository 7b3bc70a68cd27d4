"""Tessera: a support-ticket (helpdesk) backend service."""
