"""The inbound e-mail channel's adapters: the parser, the message store, the intakes."""
