"""Infrastructure adapters of the metrics service."""
