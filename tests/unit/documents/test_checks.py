"""The file checks: type by content, sizes, scripts in PDFs, decompression bombs."""

import pytest

from contracts import documents as doc
from services.documents.checks import (
    FileRejected,
    check_file,
    jpeg_size,
    pdf_active_content,
    png_size,
    sniff,
)
from tests import sample_files as files


def rejected(data: bytes, held: int = 0) -> tuple[int, str]:
    with pytest.raises(FileRejected) as err:
        check_file(data, held)
    return err.value.status, err.value.code


def test_a_pdf_a_png_and_a_jpeg_pass_with_their_type_size_and_hash():
    checked = check_file(files.pdf())
    assert checked.content_type == doc.PDF and checked.size == len(files.pdf())
    assert len(checked.sha256) == 64
    assert check_file(files.png()).content_type == doc.PNG
    assert check_file(files.jpeg_header(1200, 1600)).content_type == doc.JPEG


def test_the_type_is_read_from_the_content_never_the_name():
    assert sniff(files.program()) is None
    assert rejected(files.program()) == (415, "unsupported_file_type")
    assert rejected(b"<html><script>alert(1)</script>") == (415, "unsupported_file_type")
    assert rejected(b"GIF89a" + b"\x00" * 20) == (415, "unsupported_file_type")


def test_sizes_per_file_and_per_dossier():
    assert rejected(b"") == (422, "empty_file")
    big = b"%PDF-1.4\n" + b"0" * doc.MAX_FILE_BYTES
    assert rejected(big) == (413, "file_too_large")
    assert rejected(files.pdf(), doc.MAX_DOSSIER_BYTES - 10) == (413, "dossier_too_large")
    assert check_file(files.pdf(), doc.MAX_DOSSIER_BYTES - len(files.pdf())).size > 0


@pytest.mark.parametrize(
    "extra, name",
    [
        ("/OpenAction << /S /JavaScript /JS (app.alert(1)) >> ", "OpenAction"),
        ("/Names << /JavaScript 6 0 R >> ", "JavaScript"),
        ("/AA << /O 6 0 R >> ", "AA"),
        ("/OpenAction << /S /Launch /F (cmd.exe) >> ", "OpenAction"),
        ("/Names << /EmbeddedFiles 6 0 R >> ", "EmbeddedFiles"),
        ("/#4Aava#53cript 6 0 R ", "JavaScript"),  # a name written with #xx escapes
    ],
)
def test_a_pdf_that_would_run_something_is_refused(extra, name):
    data = files.pdf(extra=extra)
    assert pdf_active_content(data) == name
    assert rejected(data) == (422, "pdf_active_content")


def test_a_pdf_with_a_compressed_object_stream_is_refused_as_it_could_hide_a_script():
    assert rejected(files.pdf(extra="/Type /ObjStm ")) == (422, "pdf_active_content")


def test_a_plain_pdf_has_no_active_content():
    assert pdf_active_content(files.pdf("Tờ khai")) is None


def test_image_sizes_are_read_from_the_headers():
    assert png_size(files.png(30, 20)) == (30, 20)
    assert jpeg_size(files.jpeg_header(1200, 1600)) == (1200, 1600)
    assert jpeg_size(b"\xff\xd8\xff\xe0\x00") is None


def test_an_image_bomb_is_refused_before_it_is_decoded():
    assert rejected(files.png_bomb()) == (422, "image_too_large")
    assert rejected(files.jpeg_header(10_000, 10_000)) == (422, "image_too_large")
    assert rejected(files.jpeg_header(0, 100)) == (422, "image_too_large")
    assert check_file(files.jpeg_header(5000, 10_000)).size > 0  # exactly 50 Mpx passes


def test_an_image_with_no_readable_size_is_refused():
    assert rejected(b"\x89PNG\r\n\x1a\n" + b"\x00" * 30) == (422, "unreadable_image")
