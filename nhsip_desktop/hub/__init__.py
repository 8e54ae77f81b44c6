"""The regional hub: trusts' packs consolidated in PostgreSQL (docs/HUB.md).

``pack`` builds (trust side) and opens (hub side) the signed, encrypted hub pack; ``db`` holds
the hub's schema, key pinning, ingest and roles; ``queries`` its named queries; ``report`` the
consolidated PDF. Nothing here imports Qt.
"""
