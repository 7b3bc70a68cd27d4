"""The ticket aggregate: entity, value objects, status machine and SLA rules."""
