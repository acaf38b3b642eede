"""Postal: results returned home through the public postal service (Decision 45/2016)."""
