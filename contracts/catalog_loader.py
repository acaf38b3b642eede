"""Read and validate the YAML data files shipped in contracts/data (lazily, never at import)."""

from importlib import resources
from typing import Any

import yaml
from marshmallow import Schema, ValidationError


class CatalogError(ValueError):
    """A data file is malformed or inconsistent; the message names the file and the problem."""


def read_data(filename: str) -> Any:
    """Parse contracts/data/<filename> as YAML."""
    text = resources.files("contracts").joinpath("data", filename).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def validate(schema: Schema, data: Any, filename: str) -> Any:
    """Load `data` through `schema`, turning marshmallow errors into a CatalogError."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise CatalogError(f"{filename}: {exc.messages}") from exc
