"""A CSV file uploaded to a bulk import page, saved to a temporary file for the import."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from starlette.datastructures import FormData, UploadFile

#: About 100,000 rows of Entra's template; larger files are for the command line.
MAX_UPLOAD_BYTES = 32 * 1024 * 1024
#: Bad rows shown on a page (the count says how many there are).
SHOWN_PROBLEMS = 500


class UploadRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@contextmanager
def saved_csv(form: FormData, command: str) -> Iterator[Path]:
    """The form's `file`, saved for as long as the block runs; UploadRefused when there
    is none or it is over `MAX_UPLOAD_BYTES` (`command` is the command line's way)."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise UploadRefused("Choose a CSV file.")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.csv"
        with path.open("wb") as target:
            shutil.copyfileobj(upload.file, target)
        if path.stat().st_size > MAX_UPLOAD_BYTES:
            raise UploadRefused(f"The file is over 32 MB: use `{command}`.")
        yield path
