"""Jangkau campaigns service: outreach lifecycle, attribution and scorecards."""
