"""The national public-service portal simulator (an external party played in development and
tests)."""
