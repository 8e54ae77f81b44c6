"""Reading a completed staff disclosure form (a fillable PDF) with pypdf. Qt-free.

``read_form`` checks, in order, that the file is there and not empty, is a PDF, is complete
(a PDF ends with ``%%EOF``: a file cut short in copying or downloading does not), is not
password-protected, can be parsed, and is our form (its hidden form id), of a version this app
knows. Each failure raises
:class:`~nhsip_desktop.interchange.disclosure_form.FormError` with a message that says
what to do. Nothing is ever written.

    form = read_form(path)          # the file, its field values, and what they mean
    form.reading.problems           # what the preview shows
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nhsip_desktop.core.user_files import read_user_file
from nhsip_desktop.interchange.disclosure_form import (
    FORM_ID,
    ID_FIELD,
    VERSION_FIELD,
    FormError,
    FormReading,
    interpret,
)

__all__ = ["CompletedForm", "read_form", "read_form_bytes"]

MAX_FORM_BYTES = 25 * 1024 * 1024  # as store.attachments.MAX_ATTACHMENT_BYTES


@dataclass(frozen=True)
class CompletedForm:
    """A completed form as read: the file's name and bytes, its version and field values."""

    name: str
    data: bytes
    version: str
    values: dict[str, str]
    reading: FormReading


def _value(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, list | tuple):
        return "\n".join(_value(v) for v in raw)
    return str(raw)


def _too_large(name: str, size: int) -> FormError:
    return FormError(
        f"{name} is {size / 1024 / 1024:.1f} MB, too large to be a disclosure form (forms are "
        f"kept in the register, up to {MAX_FORM_BYTES // 1024 // 1024} MB). Nothing was imported."
    )


def _not_ours(name: str) -> FormError:
    return FormError(
        f"{name} is not an nhsip-desktop disclosure form: it does not have the form's hidden "
        "marker. Ask the person to fill in the blank form saved from this app (File > Save a "
        "blank disclosure form), then import that. Nothing was imported."
    )


def read_form_bytes(name: str, data: bytes, *, today: dt.date | None = None) -> CompletedForm:
    """Read the form in ``data`` (the file called ``name``); see the module's docstring."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError, PdfStreamError

    if not data.strip():
        raise FormError(f"{name} is empty: there is nothing to import.")
    if len(data) > MAX_FORM_BYTES:
        raise _too_large(name, len(data))
    if not data.lstrip()[:5] == b"%PDF-":
        raise FormError(
            f"{name} is not a PDF, so it cannot be a completed disclosure form. Choose the PDF "
            "the member of staff sent back. Nothing was imported."
        )
    damaged = FormError(
        f"{name} is damaged or incomplete (it may have been cut short while being copied, "
        "downloaded or attached to an email). Ask for the completed form to be sent again. "
        "Nothing was imported."
    )
    if b"%%EOF" not in data[-2048:]:
        raise damaged
    try:
        # pypdf logs its repairs of odd files as warnings: not for the person importing.
        logging.getLogger("pypdf").setLevel(logging.ERROR)
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                decrypted = bool(reader.decrypt(""))
            except (FileNotDecryptedError, NotImplementedError):
                decrypted = False
            if not decrypted:
                raise FormError(
                    f"{name} is protected by a password, so its fields cannot be read. Ask for "
                    "the form to be saved again without a password. Nothing was imported."
                )
        fields = reader.get_fields() or {}
    except FormError:
        raise
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, OSError) as exc:
        raise damaged from exc
    except Exception as exc:  # pypdf raises many kinds on a damaged file: all mean the same
        raise damaged from exc
    values = {str(key): _value(f.get("/V")) for key, f in fields.items()}
    if values.get(ID_FIELD, "").strip() != FORM_ID:
        raise _not_ours(name)
    version = values.get(VERSION_FIELD, "").strip()
    if not version:
        raise _not_ours(name)
    form_values = {k: v for k, v in values.items() if k not in (ID_FIELD, VERSION_FIELD)}
    reading = interpret(form_values, version, today=today)
    return CompletedForm(name, data, version, form_values, reading)


def read_form(path: Path, *, today: dt.date | None = None) -> CompletedForm:
    """Read the completed form at ``path`` (see the module's docstring)."""
    path = Path(path)
    data = read_user_file(
        path,
        "a completed form",
        FormError,
        MAX_FORM_BYTES,
        lambda size: _too_large(path.name, size),
    )
    return read_form_bytes(path.name, data, today=today)
