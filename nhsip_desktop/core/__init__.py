"""The ground floor and small shared rules: errors, safe file writing, money, dates, periods,
drives, countries.
"""
