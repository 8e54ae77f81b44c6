"""The guidance itself: valid references, the guidance in brief, checklists."""
