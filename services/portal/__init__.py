"""The national public-service portal simulator (an external system played in development and tests)."""
