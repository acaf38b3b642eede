"""`make bench`: this machine's ceilings, then the system's figures measured against them, in one
run (python -m bench --help)."""
