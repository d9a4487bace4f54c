"""The campaigns domain: pure Python, no infrastructure."""
