"""Data files of the contracts package (offices, procedures, calendar overrides)."""
