"""Cases: disclosure (step 4), ownership (step 2, Annex A), stages, the protection worksheet (step
6).
"""
