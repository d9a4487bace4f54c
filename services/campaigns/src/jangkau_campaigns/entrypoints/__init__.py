"""How people and events reach the campaigns service."""
