"""People use cases: users, organizations, groups and their members."""
