"""Routing: the liaison engine. Moves dossiers between commune, district and province offices."""
