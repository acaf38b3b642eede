"""Documents as files (issue 20): the digitisation status of each dossier part, the limits on
uploaded files, references to stored files (bytes never travel on the bus: messages carry a file
id, its sha256, size and type), the documents service's events and the online submission's
HTTP bodies."""

from datetime import timedelta

from marshmallow import Schema, fields, validate

from contracts.codes import CODE_PATTERN, OFFICE_ID_PATTERN
from contracts.events import RETURN_METHODS, ApplicantSchema, PostalAddressSchema

# A part's digitisation (Directive 02/CT-TTg; Decision 766's "digitisation and re-use" group)
NOT_DIGITISED = "not_digitised"
DIGITISED = "digitised"
REUSED_FROM_PART = "reused_from_part"  # an earlier dossier's digitised part
REUSED_FROM_RESULT = "reused_from_result"  # an earlier dossier's electronic result
DIGITISATION = (NOT_DIGITISED, DIGITISED, REUSED_FROM_PART, REUSED_FROM_RESULT)
DIGITISATION_LABELS_VI = {
    NOT_DIGITISED: "Chưa số hoá",
    DIGITISED: "Đã số hoá",
    REUSED_FROM_PART: "Tái sử dụng từ thành phần hồ sơ trước",
    REUSED_FROM_RESULT: "Tái sử dụng từ kết quả trước",
}

# What a file may be: one of three types, recognised by its content, within these sizes
PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
CONTENT_TYPES = (PDF, JPEG, PNG)
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_DOSSIER_BYTES = 50 * 1024 * 1024
MAX_PIXELS = 50_000_000  # an image declaring more is refused as a decompression bomb
FILE_ID_PATTERN = r"[A-Za-z0-9_\-]{32,64}"  # random (secrets.token_urlsafe), never guessable
RESULT = "result"  # the part id of a dossier's electronic result
# a file uploaded online and never filed with a dossier is deleted this long after its upload
# (the proof it was uploaded under lasts 30 minutes: contracts/verification.py PROOF_TTL)
UNFILED_AFTER = timedelta(hours=1)


class FileRefSchema(Schema):
    """A stored file as messages and answers name it: never its bytes."""

    file_id = fields.String(required=True, validate=validate.Regexp(f"^{FILE_ID_PATTERN}$"))
    sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    size = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_FILE_BYTES))
    content_type = fields.String(required=True, validate=validate.OneOf(CONTENT_TYPES))
    filename = fields.String(load_default="", validate=validate.Length(max=200))


class SourceSchema(Schema):
    """Where a re-used part came from: an earlier dossier's part, or its result."""

    code = fields.String(required=True)
    document_id = fields.String(required=True)  # RESULT for an electronic result


class DocumentDigitisedSchema(Schema):
    """documents.events `document_digitised`: a part of a dossier now has a file (scanned at the
    counter, uploaded online, or re-used with its source)."""

    document_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(DIGITISATION))
    file = fields.Nested(FileRefSchema, required=True)
    source = fields.Nested(SourceSchema, load_default=None, allow_none=True)
    office_id = fields.String(required=True)
    uploaded_by = fields.String(
        load_default="officer", validate=validate.OneOf(["officer", "citizen"])
    )


class ResultIssuedSchema(Schema):
    """documents.events `result_issued_electronically`: the result is a file the citizen may
    download from the tracking page."""

    file = fields.Nested(FileRefSchema, required=True)
    office_id = fields.String(required=True)


DOCUMENT_EVENTS = {
    "document_digitised": DocumentDigitisedSchema(),
    "result_issued_electronically": ResultIssuedSchema(),
}


class OnlineDocumentSchema(Schema):
    id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    file_id = fields.String(required=True, validate=validate.Regexp(f"^{FILE_ID_PATTERN}$"))


class OnlineApplicantSchema(ApplicantSchema):
    """The applicant of a dossier filed online: their phone is the one the SMS code proved."""

    class Meta:
        exclude = ("phone",)


class OnlineSubmissionSchema(Schema):
    """POST /api/online/dossiers: a dossier a citizen files online at a counter that may receive
    its procedure, each document an uploaded file (POST /api/online/files first). The phone is
    the one the verification proved (contracts/verification.py), never a field here."""

    verification_id = fields.String(required=True, validate=validate.Length(min=8, max=128))
    procedure_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    office_id = fields.String(required=True, validate=validate.Regexp(f"^{OFFICE_ID_PATTERN}$"))
    applicant = fields.Nested(OnlineApplicantSchema, required=True)
    documents = fields.List(
        fields.Nested(OnlineDocumentSchema), required=True, validate=validate.Length(min=1, max=50)
    )
    return_method = fields.String(load_default="counter", validate=validate.OneOf(RETURN_METHODS))
    postal_address = fields.Nested(PostalAddressSchema, load_default=None, allow_none=True)


class ReuseRequestSchema(Schema):
    """POST /api/dossiers/{code}/documents/{document_id}/reuse: take an earlier dossier's
    digitised part (or its result, document_id "result") of the same applicant instead of the
    paper."""

    source_code = fields.String(required=True, validate=validate.Regexp(f"^{CODE_PATTERN}$"))
    source_document_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
