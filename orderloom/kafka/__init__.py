"""Kafka plumbing on confluent-kafka (librdkafka), the project's one Kafka client."""
