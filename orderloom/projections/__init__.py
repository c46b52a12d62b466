"""Read models projected from Kafka into PostgreSQL, and the queries that read them."""
