"""Transactional outbox: state change, processed message id and records to publish commit
together in PostgreSQL; a relay then publishes the records to Kafka and marks them sent."""
