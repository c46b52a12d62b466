"""The web console: server-rendered pages (Jinja2), a session cookie, CSRF tokens on forms."""
