"""Jangkau registration service: the participant registry and the only holder of personal data."""
