"""Jangkau's shared contracts and infrastructure helpers (no business decisions here)."""
