"""Ballots: votes cast with a passkey, bound to their content, verifiable offline."""
