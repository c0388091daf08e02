"""The call engine: media clock, channels and bridges, line supervision, call control."""
