"""Events as the outside world sees them (CloudEvents 1.0)."""
