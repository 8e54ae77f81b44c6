"""The fast page check agrees with SQLCipher's own ``cipher_integrity_check``, page for page."""

from __future__ import annotations

from pathlib import Path

import pytest

from nhsip_desktop.store import page_check, sqlcipher
from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.header import read_header
from nhsip_desktop.store.register import Register

PAGE = sqlcipher.PAGE_SIZE


@pytest.fixture
def closed_register(
    tmp_path: Path, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, bytes, bytes]:
    """A closed register of a few hundred pages, read in blocks of 64 pages so that two
    threads share several blocks, with a short last block."""
    monkeypatch.setattr(page_check, "BLOCK_PAGES", 64)
    path = tmp_path / "pages.nhsip"
    reg = Register.create(path, actor=actor, organisation="Test Trust")
    with reg.transaction():
        for n in range(600):
            reg.cases.add(f"Case {n}: " + "a long and varied summary " * 6)
    key = reg.data_key
    reg.close()
    pages = path.stat().st_size // PAGE
    assert pages > 4 * page_check.BLOCK_PAGES and pages % page_check.BLOCK_PAGES
    return path, key, read_header(path).salt


def _sqlcipher_says(path: Path, key: bytes, salt: bytes) -> list[int]:
    conn = sqlcipher.connect(path, key, salt, readonly=True)
    try:
        rows = conn.execute("PRAGMA cipher_integrity_check").fetchall()
    finally:
        conn.close()
    return sorted(int(str(r[0]).rsplit(" ", 1)[-1]) for r in rows)


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("threads", [1, 2])
def test_an_intact_register_passes_both_checks(
    closed_register: tuple[Path, bytes, bytes], threads: int
) -> None:
    path, key, salt = closed_register
    assert page_check.failed_pages(path, key, salt, threads=threads) == []
    assert _sqlcipher_says(path, key, salt) == []


@pytest.mark.parametrize("threads", [1, 2])
def test_damaged_pages_are_named_as_sqlcipher_names_them(
    closed_register: tuple[Path, bytes, bytes], threads: int
) -> None:
    path, key, salt = closed_register
    last = path.stat().st_size // PAGE
    # Page 1 after the clear header, a page in the second block, the IV and the HMAC itself.
    for offset in (
        40,
        (page_check.BLOCK_PAGES + 5) * PAGE + 7,
        (last - 1) * PAGE - page_check.RESERVE + 3,  # page last-1's IV
        last * PAGE - 1,  # the last page's stored HMAC
    ):
        _flip(path, offset)
    expected = [1, page_check.BLOCK_PAGES + 6, last - 1, last]
    assert _sqlcipher_says(path, key, salt) == expected
    assert page_check.failed_pages(path, key, salt, threads=threads) == expected


def test_the_clear_header_is_not_covered(closed_register: tuple[Path, bytes, bytes]) -> None:
    """Our header is the salt: SQLCipher does not authenticate it, and neither do we (a changed
    salt is caught earlier, by the header's key check)."""
    path, key, salt = closed_register
    _flip(path, 2)
    assert page_check.failed_pages(path, key, salt) == []


def test_a_truncated_file_reports_its_partial_page(
    closed_register: tuple[Path, bytes, bytes],
) -> None:
    path, key, salt = closed_register
    whole = path.stat().st_size // PAGE
    with path.open("r+b") as file:
        file.truncate((whole - 1) * PAGE + 100)
    assert page_check.failed_pages(path, key, salt) == [whole]


def test_a_wrong_reading_of_the_format_cannot_report_false_damage(
    closed_register: tuple[Path, bytes, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every page fails under a wrong salt mask; SQLCipher's confirmation clears them all."""
    path, key, salt = closed_register
    monkeypatch.setattr(page_check, "HMAC_SALT_MASK", 0x3B)
    assert page_check.failed_pages(path, key, salt) == []
    # ...and real damage is still reported, by SQLCipher's own account.
    _flip(path, 5 * PAGE + 10)
    assert page_check.failed_pages(path, key, salt) == [6]
    assert not [p for p in path.parent.iterdir() if p.name.endswith(("-wal", "-shm"))]


def test_a_page_subset_is_checked_when_asked(closed_register: tuple[Path, bytes, bytes]) -> None:
    path, key, salt = closed_register
    _flip(path, 20 * PAGE + 10)  # page 21
    assert page_check.failed_pages(path, key, salt, pages=20) == []
    assert page_check.failed_pages(path, key, salt, pages=21) == [21]


def test_the_lock_byte_page_is_not_checked(
    closed_register: tuple[Path, bytes, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite never writes the page at 1 GiB (SQLCipher's check skips it too). Stood in for
    here by page 9 of a small file, it must not make every check of a large register go on to
    SQLCipher's slower pass."""
    path, key, salt = closed_register
    _flip(path, 8 * PAGE + 10)  # page 9
    assert page_check.failed_pages(path, key, salt) == [9]
    monkeypatch.setattr(page_check, "LOCK_BYTE_PAGE", 9)
    confirmations: list[list[int]] = []
    real_confirm = page_check._confirm

    def counting(*args: object) -> list[int]:
        confirmations.append(list(args[-1]))  # type: ignore[arg-type]
        return real_confirm(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(page_check, "_confirm", counting)
    assert page_check.failed_pages(path, key, salt) == []
    assert confirmations == []


class _ShortReads:
    """A file whose reads stop ``missing`` pages before the end (it shrank while read)."""

    def __init__(self, path: Path, missing: int) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 (closed by __exit__)
        self._end = path.stat().st_size - missing * PAGE

    def seek(self, offset: int) -> int:
        return self._file.seek(offset)

    def read(self, size: int) -> bytes:
        return self._file.read(max(0, min(size, self._end - self._file.tell())))

    def __enter__(self) -> _ShortReads:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()


def test_pages_missing_from_a_shrinking_file_are_counted_in_pages(
    closed_register: tuple[Path, bytes, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, key, salt = closed_register
    whole = path.stat().st_size // PAGE
    real_open = Path.open

    def shrinking(self: Path, mode: str = "r", *args: object, **kwargs: object) -> object:
        if self == path and mode == "rb":
            return _ShortReads(self, 10)
        return real_open(self, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", shrinking)
    suspect = [page_check.failed_pages(path, key, salt, threads=1)]
    # SQLCipher itself sees the whole file, so confirmation clears them; what matters is
    # which pages were suspected: exactly the last ten.
    seen: list[int] = []
    monkeypatch.setattr(page_check, "_confirm", lambda p, k, s, pages: seen.extend(pages) or pages)
    page_check.failed_pages(path, key, salt, threads=1)
    assert suspect == [[]]
    assert seen == list(range(whole - 9, whole + 1))
