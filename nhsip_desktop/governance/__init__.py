"""Governance: the five actions for organisations, the IP policy (Annex A), the annual return."""
