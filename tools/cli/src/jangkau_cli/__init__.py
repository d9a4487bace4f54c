"""The jangkau command: field tools for campaign teams and the simulator."""
