"""Money: costs, returns and revenue sharing (step 8, Annex A)."""
