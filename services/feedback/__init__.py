"""The citizens' voice: evaluations of dossiers and feedback (phản ánh, kiến nghị)."""
