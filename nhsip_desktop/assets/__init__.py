"""Rights, renewals, fee schedules and deadline rules (steps 6 and 7)."""
