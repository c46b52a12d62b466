"""``python -m orderloom`` is the ``orderloom`` command."""

from orderloom.cli import main

main()
