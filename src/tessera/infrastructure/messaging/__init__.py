"""Moving events: the outbox relay, consumer dispatch, and the brokers (in-process, Redis
Streams, NATS JetStream)."""
