"""The REST API under /api: bearer tokens, problem+json errors, OpenAPI at /openapi.json."""
