"""The whole system on one machine: what `make run` starts, feeds and reports on."""
