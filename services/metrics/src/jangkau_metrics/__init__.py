"""Jangkau metrics service: exact, live coverage counts folded from the event streams."""
