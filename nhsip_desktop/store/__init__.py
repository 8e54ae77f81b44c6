"""The encrypted register (Qt-free): SQLCipher file, keys, audit trail and record managers."""
