"""Agreements and the TTC contract (step 9, Annex B)."""
