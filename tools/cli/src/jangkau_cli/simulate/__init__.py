"""Deterministic field scenarios from the reports, sent through the public API, with their ground truth."""
