"""Subcommands of `switchboard`, one module per command group; firmware.cli wires them."""
