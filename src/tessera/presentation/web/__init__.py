"""The browser adapter: the agent console (``/console``) and the customer portal (``/portal``),
server-rendered pages over the same use cases as the API."""
