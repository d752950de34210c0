"""One typed settings object, read from the environment (prefix SEATPLAN_)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Set by `seatplan serve --no-worker` for the server processes uvicorn starts.
NO_WORKER_ENV = "SEATPLAN_SERVE_NO_WORKER"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SEATPLAN_", env_file=".env", extra="ignore")

    #: SQLite by default, so that Seatplan runs with no setup.
    database_url: str = "sqlite:///./seatplan.db"
    #: Users evaluated per worker transaction.
    batch_size: int = Field(default=10_000, ge=1, le=100_000)
    #: How often an idle worker looks at the queue.
    poll_seconds: float = Field(default=1.0, gt=0)
    #: Signs `$skiptoken`s and the portal's sessions and CSRF tokens (`services.signing`).
    #: Unset: the random key that setting up the database keeps in it, shared by every
    #: process of a deployment.
    secret_key: str | None = None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
