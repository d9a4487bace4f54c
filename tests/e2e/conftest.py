"""End-to-end fixtures: the running stack (see e2e_stack.py)."""

from e2e_stack import running_stack

__all__ = ["running_stack"]
