"""Small programs the integration tests run as separate processes, to kill them for real."""
