"""The postal carrier simulator (an external system played in development and tests)."""
