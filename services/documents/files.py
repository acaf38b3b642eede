"""The file store: one seam over where the bytes of documents and results live. Today GridFS in
the documents service's own database (`fs.files` + `fs.chunks`, measured to work on FerretDB
v1.24.2 with its unique index on files_id+n); an S3-compatible store would be a second class
with the same four methods. The gateway streams uploads into it and downloads out of it, so file
bytes never travel on RabbitMQ; every id is random (never guessable) and every read is checked
by the caller first."""

import secrets
from dataclasses import dataclass
from datetime import datetime

import gridfs
from nameko.extensions import DependencyProvider
from pymongo import MongoClient

DATABASE = "documents"  # the documents service's database (MONGO_DATABASE_PREFIX + this)


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    data: bytes
    content_type: str
    filename: str
    metadata: dict


class GridFsFiles:
    """Files in GridFS; `metadata` says who may attach them (a dossier code, or the hash of the
    verification an online upload was made under)."""

    def __init__(self, db):
        self.db, self.fs = db, gridfs.GridFS(db)

    def put(self, data: bytes, content_type: str, filename: str, metadata: dict) -> str:
        file_id = secrets.token_urlsafe(32)
        self.fs.put(
            data,
            _id=file_id,
            filename=filename,
            contentType=content_type,
            metadata=metadata,
        )
        return file_id

    def get(self, file_id: str) -> StoredFile | None:
        try:
            out = self.fs.get(file_id)
        except gridfs.errors.NoFile:
            return None
        meta = out.metadata or {}
        return StoredFile(file_id, out.read(), out.content_type or "", out.filename or "", meta)

    def metadata(self, file_id: str) -> dict | None:
        """What the store knows of a file without reading it: its metadata, length, type, name."""
        fields = {"metadata": 1, "length": 1, "contentType": 1, "filename": 1}
        found = self.db["fs.files"].find_one({"_id": file_id}, fields)
        if found is None:
            return None
        return {
            **(found.get("metadata") or {}),
            "length": found.get("length", 0),
            "content_type": found.get("contentType") or "",
            "filename": found.get("filename") or "",
        }

    def delete(self, file_id: str) -> None:
        self.fs.delete(file_id)

    def claim(self, file_id: str, code: str) -> None:
        """A file uploaded online is now a part of dossier `code`: it is no longer unfiled."""
        self.db["fs.files"].update_one({"_id": file_id}, {"$set": {"metadata.code": code}})

    def unfiled_before(self, when: datetime, limit: int = 500) -> list[str]:
        """Files uploaded online before `when` and never filed with a dossier."""
        query = {
            "metadata.staged_for": {"$exists": True},
            "metadata.code": {"$exists": False},
            "uploadDate": {"$lt": when},
        }
        return [f["_id"] for f in self.db["fs.files"].find(query, {"_id": 1}, limit=limit)]


def files_of(config: dict, client: MongoClient | None = None) -> GridFsFiles:
    """The file store a process configured with `config` (MONGO_URI, the prefix) uses."""
    client = client or MongoClient(config["MONGO_URI"], tz_aware=True, connect=False)
    prefix = config.get("MONGO_DATABASE_PREFIX", "lienthong_")
    return GridFsFiles(client[prefix + DATABASE])


class Files(DependencyProvider):
    """The file store for a nameko service (the gateway streams files through it)."""

    def setup(self):
        self.client = MongoClient(
            self.container.config["MONGO_URI"],
            tz_aware=True,
            connect=False,
            serverSelectionTimeoutMS=5000,
        )
        self.files = files_of(self.container.config, self.client)

    def stop(self):
        self.client.close()

    def get_dependency(self, worker_ctx):
        return self.files
