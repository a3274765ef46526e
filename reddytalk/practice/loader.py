"""Read and validate a practice file (JSON) into a ``PracticeFile``.

Errors name the field that is wrong but never echo its value: practice files carry patient data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from reddytalk.errors import ValidationFailed
from reddytalk.practice.models import PracticeFile

MAX_FILE_BYTES = 20 * 1024 * 1024


def parse_practice(data: Any) -> PracticeFile:
    """Validate already-decoded JSON; raises ``ValidationFailed`` listing field paths and reasons."""
    try:
        return PracticeFile.model_validate(data)
    except ValidationError as exc:
        problems = {".".join(str(p) for p in err["loc"]) or "file": err["msg"] for err in exc.errors()}
        raise ValidationFailed("the practice file is invalid", detail=problems) from None


def load_practice_file(path: str | Path) -> PracticeFile:
    """Load a practice file from disk."""
    file = Path(path)
    if not file.is_file():
        raise ValidationFailed("practice file not found", detail={"path": str(file)})
    if file.stat().st_size > MAX_FILE_BYTES:
        raise ValidationFailed("practice file is larger than 20 MB")
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(
            f"practice file is not valid JSON (line {getattr(exc, 'lineno', '?')})"
        ) from None
    return parse_practice(data)
