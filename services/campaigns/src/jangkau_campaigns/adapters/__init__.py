"""Infrastructure adapters of the campaigns service."""
