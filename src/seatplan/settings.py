"""One typed settings object, read from the environment (prefix SEATPLAN_)."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
    #: The address clients reach the API at (`https://seatplan.example.com`): nextLinks
    #: and `@odata.context` start with it. Unset: the address of the request.
    public_base_url: str | None = None
    #: Host names the server answers to (comma-separated; `*.example.com` for subdomains,
    #: `*` for any): a request naming another `Host` gets 400, so no link reflects it.
    trusted_hosts: Annotated[list[str], NoDecode] = ["localhost", "127.0.0.1", "::1", "testserver"]
    #: The API's documentation at `/docs` and `/openapi.json`; false closes both.
    api_docs: bool = True
    #: A request's queries are cancelled this long after it started (answer: 503).
    statement_timeout_seconds: float = Field(default=10.0, gt=0)
    #: PEM certificate (with its chain) and unencrypted key: `seatplan serve` answers HTTPS.
    #: Both or neither; `--certfile`/`--keyfile` take precedence.
    tls_certfile: str | None = None
    tls_keyfile: str | None = None
    #: `json`: one JSON object per log line (for a log collector); `console`: for people.
    log_format: Literal["console", "json"] = "console"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    #: The bearer token `/metrics` asks of clients not on loopback (unset: loopback only).
    metrics_token: SecretStr | None = None
    #: Clients on loopback read `/metrics` without a token (false: they need it too).
    metrics_open_on_loopback: bool = True
    #: `/readyz` answers 503 when the next queued user has waited longer (0: never).
    ready_max_lag_seconds: float = Field(default=900.0, ge=0)

    #: Webhooks may go to loopback, private and link-local addresses (tests, a lab).
    webhook_allow_private: bool = False
    #: How long a webhook's receiver has to answer.
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    #: The first retry of a failed delivery; each next one waits twice as long (with jitter).
    webhook_retry_seconds: float = Field(default=10.0, gt=0)
    #: The longest wait between two attempts.
    webhook_max_retry_seconds: float = Field(default=3600.0, gt=0)
    #: An endpoint none of whose deliveries succeeded for this long is disabled.
    webhook_disable_after_seconds: float = Field(default=86_400.0, gt=0)
    #: How long a worker holds an endpoint it sends to; a dead worker's hold runs out.
    webhook_lease_seconds: float = Field(default=60.0, gt=0)
    #: Events (and their delivery log) are kept this long once no endpoint waits for them.
    event_retention_days: float = Field(default=30.0, gt=0)

    @field_validator("trusted_hosts", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [host.strip() for host in value.split(",") if host.strip()]
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_case(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("public_base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an absolute http(s) URL")
        return value.strip().rstrip("/")

    @model_validator(mode="after")
    def _lease_outlasts_a_request(self) -> Settings:
        # A worker killed mid-request keeps its endpoint until the lease runs out; a lease
        # shorter than a request would let a second worker send to the same endpoint at once.
        if self.webhook_lease_seconds <= self.webhook_timeout_seconds:
            raise ValueError(
                f"SEATPLAN_WEBHOOK_LEASE_SECONDS ({self.webhook_lease_seconds:g}) must be longer "
                f"than SEATPLAN_WEBHOOK_TIMEOUT_SECONDS ({self.webhook_timeout_seconds:g})"
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
