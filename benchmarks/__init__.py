"""Performance suite: generate.py builds registers, run.py measures them."""
