"""Two effective configs to semantic deltas, their fingerprint, and which deltas a
later commit undid."""
