"""All Qt code lives in this package (and only here)."""
