"""Other formats in and out: spreadsheet import, the staff form, demo registers."""
