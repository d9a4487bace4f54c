"""The metrics domain: how events fold into coverage counts. Pure Python."""
