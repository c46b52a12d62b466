"""The workflow engine: Amazon States Language executions (pure core, local and Kafka runners)."""
