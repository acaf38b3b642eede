"""The national payment platform simulator (an external system played in development and tests)."""
