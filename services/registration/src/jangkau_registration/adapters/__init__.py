"""Infrastructure adapters of the registration service."""
