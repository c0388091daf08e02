"""The engine's control API: JSON messages over a Unix socket, one per line."""
