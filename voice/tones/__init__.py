"""Call-progress tones: the shared narrow-band analyser bank, generator and detector."""
