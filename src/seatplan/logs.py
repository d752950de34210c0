"""Log lines: one JSON object each (`SEATPLAN_LOG_FORMAT=json`) or readable console lines.

The standard `logging` module with a formatter of our own (some thirty lines) rather than
a library: it has to do little (a timestamp, the level, the message, the request's ids and
the fields a log call passes in `extra=`), and owning it keeps the one rule that matters
here in one place: a bearer token never reaches a line, even one inside an exception.
Every process (uvicorn's and ours) logs through the root logger's one handler.
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

#: The request being served by this task (set by the API's request middleware).
REQUEST_ID: ContextVar[str | None] = ContextVar("seatplan_request_id", default=None)
CLIENT_REQUEST_ID: ContextVar[str | None] = ContextVar("seatplan_client_request_id", default=None)

#: What every LogRecord has: the rest of its attributes came in `extra=`.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
#: uvicorn's coloured copy of the message.
_IGNORED = frozenset({"color_message"})
#: One encoder for every line: `json.dumps` with options builds a new one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)
#: A Seatplan token (`services.tokens`): only its public prefix is kept.
_TOKEN = re.compile(r"\b(spt_[0-9a-f]{12})_[A-Za-z0-9_-]{20,}")


def redact(line: str) -> str:
    """The line with the secret part of any Seatplan token cut off."""
    return _TOKEN.sub(r"\1_[redacted]", line) if "spt_" in line else line


class ContextFilter(logging.Filter):
    """Adds the request's ids to every record logged while serving it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id") and (request_id := REQUEST_ID.get()) is not None:
            record.request_id = request_id
            if (client_id := CLIENT_REQUEST_ID.get()) is not None:
                record.client_request_id = client_id
        return True


def fields(record: logging.LogRecord) -> dict[str, Any]:
    """The record's own fields (request ids, `extra=`), in the order they were given."""
    return {
        key: value
        for key, value in record.__dict__.items()
        if key not in _STANDARD and key not in _IGNORED and value is not None
    }


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp (UTC, ISO 8601), level, logger, message, fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **fields(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return redact(_ENCODER.encode(entry))


class ConsoleFormatter(logging.Formatter):
    """`time LEVEL logger: message key=value …` for a person reading a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        extra = " ".join(f"{key}={value}" for key, value in fields(record).items())
        line = super().formatMessage(record)
        return f"{line} [{extra}]" if extra else line

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def config(log_format: str, level: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` for `log_format` ("json" or "console").

    uvicorn applies it in each of its processes (`log_config=`); its own loggers lose
    their handlers and go through the root's, so that all lines look alike.
    """
    formatter = JsonFormatter if log_format == "json" else ConsoleFormatter
    quiet = {"handlers": [], "propagate": True}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": f"{__name__}.ContextFilter"}},
        "formatters": {"default": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["context"],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            "uvicorn": {**quiet, "level": level},
            "uvicorn.error": quiet,
            "uvicorn.access": quiet,
        },
    }


def configure(log_format: str, level: str) -> None:
    """Send this process's logs to stderr in `log_format` (the worker, the CLI)."""
    logging.config.dictConfig(config(log_format, level))
