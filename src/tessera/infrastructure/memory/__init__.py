"""In-memory adapters for unit tests of the application layer; real, type-checked adapters that
the contract suite holds to the same behaviour as the SQL ones."""
