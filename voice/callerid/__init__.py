"""Caller ID: Bell 202 and ETSI V.23 FSK, DTMF, and a receiver that finds the standard."""
