"""Events as the outside world sees them (CloudEvents 1.0), and the ports that move them."""
