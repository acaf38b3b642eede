"""postal."""
