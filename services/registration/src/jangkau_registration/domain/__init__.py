"""The registration domain: pure Python, no infrastructure."""
