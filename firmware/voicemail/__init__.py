"""Voicemail boxes, call recordings and their crash-safe audio files."""
