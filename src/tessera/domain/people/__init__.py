"""People: users (admins, agents, customers), their organizations and the groups of agents."""
