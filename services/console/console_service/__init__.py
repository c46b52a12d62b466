"""The operations console: REST API, web console and the access, audit and replay they share."""
