"""The Agreements area (step 7, annex C): one module per part, each under 800 lines."""
