"""API token use cases: issue, list, revoke, authenticate, bootstrap the first admin."""
