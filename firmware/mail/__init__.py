"""Outgoing mail: a durable outbox in SQLite and SMTP delivery."""
