"""How events and people reach the metrics service: Kafka subscribers, HTTP, command line."""
