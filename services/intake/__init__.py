"""Intake: the counter. Receives dossiers, issues the receipt and appointment (form 01)."""
