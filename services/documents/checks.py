"""What an uploaded file must be before anything is stored (contracts/documents.py limits): a PDF,
JPEG or PNG by its content (magic bytes, never its name), within 10 MB and the dossier's 50 MB, a
PDF with no script or action that runs on opening, an image whose header declares no more than
MAX_PIXELS (a decompression bomb is refused before it is ever decoded). Pure functions."""

import hashlib
import re
import struct
from dataclasses import dataclass

from contracts.documents import (
    CONTENT_TYPES,
    JPEG,
    MAX_DOSSIER_BYTES,
    MAX_FILE_BYTES,
    MAX_PIXELS,
    PDF,
    PNG,
)


class FileRejected(ValueError):
    """A file refused, with a stable code and the HTTP status to answer (413, 415 or 422)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    size: int
    sha256: str


def sniff(data: bytes) -> str | None:
    """The file's type from its first bytes, or None when it is none of the three."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


# Names that make a PDF run something when it is opened or viewed (ISO 32000: JavaScript,
# actions on open and additional actions, launching a program, submitting or importing data,
# embedded files that could be opened); also written with #xx escapes, which PDF allows in names
_PDF_ACTIVE = frozenset(
    {b"JS", b"JavaScript", b"OpenAction", b"AA", b"Launch", b"SubmitForm", b"ImportData"}
    | {b"EmbeddedFile", b"EmbeddedFiles", b"RichMedia", b"XFA"}
)
_PDF_NAME = re.compile(rb"/((?:[A-Za-z0-9]|#[0-9A-Fa-f]{2})+)")


def _pdf_name(raw: bytes) -> bytes:
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)


def pdf_active_content(data: bytes) -> str | None:
    """The first name in the PDF that would run something (e.g. "JavaScript"), or None. It reads
    the names as written: a name hidden inside a compressed object stream is not seen, so such a
    PDF is refused too (an ObjStm is where an active name can hide)."""
    for match in _PDF_NAME.finditer(data):
        name = _pdf_name(match.group(1))
        if name in _PDF_ACTIVE:
            return name.decode()
        if name == b"ObjStm":
            return "ObjStm"
    return None


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the PNG's IHDR chunk, or None when it has none."""
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # start-of-frame markers


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the JPEG's first start-of-frame segment, or None when it has none."""
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if marker in _SOF and at + 9 <= len(data):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        at += 2 + length
    return None


def check_file(data: bytes, dossier_bytes: int = 0) -> CheckedFile:
    """The file's type, size and sha256 when it may be stored; FileRejected otherwise.
    `dossier_bytes`: what the dossier's files weigh already."""
    size = len(data)
    if size == 0:
        raise FileRejected(422, "empty_file", "the file is empty")
    if size > MAX_FILE_BYTES:
        raise FileRejected(413, "file_too_large", f"a file may be at most {MAX_FILE_BYTES} bytes")
    if dossier_bytes + size > MAX_DOSSIER_BYTES:
        raise FileRejected(
            413, "dossier_too_large", f"a dossier's files may be at most {MAX_DOSSIER_BYTES} bytes"
        )
    kind = sniff(data)
    if kind not in CONTENT_TYPES:
        raise FileRejected(
            415, "unsupported_file_type", "only PDF, JPEG or PNG files (checked by content)"
        )
    if kind == PDF:
        active = pdf_active_content(data)
        if active:
            raise FileRejected(
                422, "pdf_active_content", f"the PDF carries /{active}: scripts are not accepted"
            )
    else:
        dimensions = png_size(data) if kind == PNG else jpeg_size(data)
        if dimensions is None:
            raise FileRejected(422, "unreadable_image", "the image has no readable size")
        width, height = dimensions
        if width == 0 or height == 0 or width * height > MAX_PIXELS:
            raise FileRejected(
                422, "image_too_large", f"an image may have at most {MAX_PIXELS} pixels"
            )
    return CheckedFile(kind, size, hashlib.sha256(data).hexdigest())
