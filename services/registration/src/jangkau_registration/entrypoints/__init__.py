"""How the outside world reaches the registration service: HTTP and the command line."""
