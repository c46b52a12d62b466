"""``orderloom gateway run`` as its own process, for tests that kill it.

Usage: python -m tests.integration.gateway.run_gateway --config vendors.toml
(settings from ORDERLOOM_* environment variables, as in production).
"""

from __future__ import annotations

import sys

from orderloom.cli.gateway import app

if __name__ == "__main__":
    app(["run", *sys.argv[1:]])
