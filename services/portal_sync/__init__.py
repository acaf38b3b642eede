"""Portal sync: each dossier's record pushed to the national public-service portal (Decision
31/2021/QĐ-TTg art. 30), in order, retried, parked when it keeps failing."""
