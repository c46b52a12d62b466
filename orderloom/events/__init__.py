"""The event contract: CloudEvents 1.0 envelopes in Kafka binary mode with Avro data."""
