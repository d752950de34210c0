"""The tables of every object of docs/behaviour.md ("Objects"), on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, validates

from seatplan.store.search_words import search_text
from seatplan.store.types import AssigningGroup, PlanSet, UtcDateTime, utcnow

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads it as a class attribute
        datetime: UtcDateTime(),
        UUID: Uuid(),
        dict[str, Any]: JSON(),
    }


class Organization(Base):
    __tablename__ = "organization"
    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    display_name: Mapped[str] = mapped_column(String(256))
    country_letter_code: Mapped[str | None] = mapped_column(String(2))
    default_usage_location: Mapped[str | None] = mapped_column(String(2))
    #: Offer freed or bought seats to users waiting in CountViolation (Entra does not).
    auto_offer_seats: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Licenses of a group flow to its nested groups' members too (Entra: direct only).
    license_nested_groups: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    #: Bumped on every catalog change so that every process reloads its rules.
    catalog_version: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[datetime] = mapped_column(default=utcnow)


# -- catalog -----------------------------------------------------------------------


class ServicePlan(Base):
    __tablename__ = "service_plan"
    id: Mapped[UUID] = mapped_column(primary_key=True)
    #: Not unique: Microsoft's own list gives two plans one name.
    name: Mapped[str] = mapped_column(String(128), index=True)
    friendly_name: Mapped[str] = mapped_column(String(256))
    builtin: Mapped[bool] = mapped_column(Boolean, default=True)


class Product(Base):
    __tablename__ = "product"
    sku_id: Mapped[UUID] = mapped_column(primary_key=True)
    sku_part_number: Mapped[str] = mapped_column(String(128), unique=True)
    display_name: Mapped[str] = mapped_column(String(256))
    builtin: Mapped[bool] = mapped_column(Boolean, default=True)


class ProductPlan(Base):
    __tablename__ = "product_plan"
    sku_id: Mapped[UUID] = mapped_column(
        ForeignKey("product.sku_id", ondelete="CASCADE"), primary_key=True
    )
    plan_id: Mapped[UUID] = mapped_column(ForeignKey("service_plan.id"), primary_key=True)


class ExclusiveSetPlan(Base):
    __tablename__ = "exclusive_set_plan"
    set_name: Mapped[str] = mapped_column(String(128), primary_key=True)
    plan_id: Mapped[UUID] = mapped_column(ForeignKey("service_plan.id"), primary_key=True)


class PlanDependency(Base):
    """Plan needs every required plan of at least one alternative (OR of ANDs)."""

    __tablename__ = "plan_dependency"
    plan_id: Mapped[UUID] = mapped_column(ForeignKey("service_plan.id"), primary_key=True)
    alternative: Mapped[int] = mapped_column(Integer, primary_key=True)
    required_plan_id: Mapped[UUID] = mapped_column(ForeignKey("service_plan.id"), primary_key=True)


class LocationRestriction(Base):
    __tablename__ = "location_restriction"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: NULL means every plan of the catalog.
    plan_ids: Mapped[frozenset[UUID] | None] = mapped_column(PlanSet)
    prohibited: Mapped[str] = mapped_column(Text, default="")
    #: Comma-separated country codes; NULL when the rule lists prohibited places instead.
    allowed: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")


# -- subscriptions and seats -----------------------------------------------------------


class Subscription(Base):
    __tablename__ = "subscription"
    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    sku_id: Mapped[UUID] = mapped_column(ForeignKey("product.sku_id"), index=True)
    enabled_units: Mapped[int] = mapped_column(Integer, default=0)
    suspended_units: Mapped[int] = mapped_column(Integer, default=0)
    warning_units: Mapped[int] = mapped_column(Integer, default=0)
    locked_out_units: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="Enabled")
    created: Mapped[datetime] = mapped_column(default=utcnow)


class SkuUsage(Base):
    """Seat counters per SKU: the row every writer locks before changing seats."""

    __tablename__ = "sku_usage"
    sku_id: Mapped[UUID] = mapped_column(ForeignKey("product.sku_id"), primary_key=True)
    enabled_units: Mapped[int] = mapped_column(Integer, default=0)
    consumed_units: Mapped[int] = mapped_column(Integer, default=0)


# -- directory ---------------------------------------------------------------------------

#: The stored value of an empty string collection (rows written by plain SQL get it too).
_NO_ITEMS = text("'[]'")


def _words_default(source: str) -> Any:
    """A column's insert default: the search words of column `source` (Core inserts too)."""

    def default(context: DefaultExecutionContext) -> str | None:
        parameters: dict[str, Any] = context.get_current_parameters()  # type: ignore[no-untyped-call]
        return search_text(parameters.get(source))

    return default


class User(Base):
    __tablename__ = "app_user"
    #: Graph lists users by displayName (then id): pages walk this index, never a sort.
    __table_args__ = (Index("ix_app_user_display_name", "display_name", "id"),)
    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    user_principal_name: Mapped[str] = mapped_column(String(256))
    #: Lower-cased UPN: sign-in names are unique whatever their case.
    upn_key: Mapped[str] = mapped_column(String(256), unique=True)
    display_name: Mapped[str] = mapped_column(String(256))
    usage_location: Mapped[str | None] = mapped_column(String(2))
    account_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    department: Mapped[str | None] = mapped_column(String(256))
    job_title: Mapped[str | None] = mapped_column(String(256))
    created: Mapped[datetime] = mapped_column(default=utcnow)
    # Graph's standard properties (docs/api.md, "Users"); lengths are Graph's limits.
    given_name: Mapped[str | None] = mapped_column(String(64))
    surname: Mapped[str | None] = mapped_column(String(64))
    mail: Mapped[str | None] = mapped_column(String(256))
    mail_nickname: Mapped[str | None] = mapped_column(String(64))
    #: String collections are JSON lists, never NULL (Graph answers []).
    other_mails: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=_NO_ITEMS)
    proxy_addresses: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=_NO_ITEMS)
    business_phones: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=_NO_ITEMS)
    mobile_phone: Mapped[str | None] = mapped_column(String(64))
    company_name: Mapped[str | None] = mapped_column(String(64))
    office_location: Mapped[str | None] = mapped_column(String(128))
    city: Mapped[str | None] = mapped_column(String(128))
    state: Mapped[str | None] = mapped_column(String(128))
    country: Mapped[str | None] = mapped_column(String(128))
    postal_code: Mapped[str | None] = mapped_column(String(40))
    street_address: Mapped[str | None] = mapped_column(String(1024))
    employee_id: Mapped[str | None] = mapped_column(String(16))
    employee_type: Mapped[str | None] = mapped_column(String(64))
    user_type: Mapped[str] = mapped_column(String(16), default="Member", server_default="Member")
    preferred_language: Mapped[str | None] = mapped_column(String(64))
    #: onPremisesExtensionAttributes: only the extensionAttributeN that are set.
    extension_attributes: Mapped[dict[str, Any]] = mapped_column(
        JSON, default=dict, server_default=text("'{}'")
    )
    on_premises_sync_enabled: Mapped[bool | None] = mapped_column(Boolean)
    on_premises_immutable_id: Mapped[str | None] = mapped_column(String(256))
    #: SCIM (`seatplan.scim`): the identity provider's id of the user, unique when set, and
    #: the enterprise extension's attributes Graph has no property for.
    external_id: Mapped[str | None] = mapped_column(String(256), unique=True)
    cost_center: Mapped[str | None] = mapped_column(String(256))
    division: Mapped[str | None] = mapped_column(String(256))
    manager_id: Mapped[UUID | None] = mapped_column(Uuid())
    #: displayName's words for `$search` (`store.search_words`), kept by `_words`.
    display_name_words: Mapped[str | None] = mapped_column(
        Text, default=_words_default("display_name")
    )

    @validates("display_name")
    def _words(self, _key: str, value: str) -> str:
        self.display_name_words = search_text(value)
        return value


class Group(Base):
    __tablename__ = "directory_group"
    #: Every user written looks up the dynamic groups that are On (`dynamic_groups`).
    __table_args__ = (Index("ix_directory_group_rule_state", "membership_rule_processing_state"),)
    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    display_name: Mapped[str] = mapped_column(String(256), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    security_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    mail_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    mail: Mapped[str | None] = mapped_column(String(256))
    mail_nickname: Mapped[str | None] = mapped_column(String(64))
    group_types: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=_NO_ITEMS)
    visibility: Mapped[str | None] = mapped_column(String(32))
    processing_state: Mapped[str] = mapped_column(String(32), default="ProcessingComplete")
    #: Users evaluated since processing last started, for the "Finish applying" event.
    run_succeeded: Mapped[int] = mapped_column(Integer, default=0)
    run_failed: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[datetime] = mapped_column(default=utcnow)
    #: A dynamic group's rule and Graph's membershipRuleProcessingState (On, Paused);
    #: both NULL for a group whose members are kept by hand.
    membership_rule: Mapped[str | None] = mapped_column(Text)
    membership_rule_processing_state: Mapped[str | None] = mapped_column(String(16))
    #: The rule's evaluation over the whole directory (`services.dynamic_groups`):
    #: NotStarted, Running, Succeeded or Failed; the last user id done (it resumes after
    #: it); users who joined and left in this run; when membership last changed; why it failed.
    rule_status: Mapped[str | None] = mapped_column(String(16))
    rule_cursor: Mapped[UUID | None] = mapped_column(Uuid())
    rule_joined: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rule_left: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rule_updated: Mapped[datetime | None] = mapped_column()
    rule_error: Mapped[str | None] = mapped_column(Text)
    #: SCIM: the identity provider's id of the group, unique when set.
    external_id: Mapped[str | None] = mapped_column(String(256), unique=True)
    #: The words of displayName and description for `$search`, kept by `_words`.
    display_name_words: Mapped[str | None] = mapped_column(
        Text, default=_words_default("display_name")
    )
    description_words: Mapped[str | None] = mapped_column(
        Text, default=_words_default("description")
    )

    @validates("display_name", "description")
    def _words(self, key: str, value: str | None) -> str | None:
        setattr(self, f"{key}_words", search_text(value))
        return value


class GroupLicense(Base):
    """A product assigned to a group: the intent every member inherits."""

    __tablename__ = "group_license"
    group_id: Mapped[UUID] = mapped_column(
        ForeignKey("directory_group.id", ondelete="CASCADE"), primary_key=True
    )
    sku_id: Mapped[UUID] = mapped_column(ForeignKey("product.sku_id"), primary_key=True)
    disabled_plans: Mapped[frozenset[UUID]] = mapped_column(PlanSet, default=frozenset())
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)


class Membership(Base):
    __tablename__ = "membership"
    __table_args__ = (Index("ix_membership_user_id", "user_id"),)
    group_id: Mapped[UUID] = mapped_column(
        ForeignKey("directory_group.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[UUID] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True
    )
    since: Mapped[datetime] = mapped_column(default=utcnow)


class GroupNesting(Base):
    """A group that is a member of another group (Graph's group members of a group).

    Apart from `Membership`: the worker reads users' memberships in bulk, and that read
    stays the same whether or not groups are nested (docs/architecture.md).
    """

    __tablename__ = "group_nesting"
    __table_args__ = (Index("ix_group_nesting_child_id", "child_id"),)
    parent_id: Mapped[UUID] = mapped_column(
        ForeignKey("directory_group.id", ondelete="CASCADE"), primary_key=True
    )
    child_id: Mapped[UUID] = mapped_column(
        ForeignKey("directory_group.id", ondelete="CASCADE"), primary_key=True
    )
    since: Mapped[datetime] = mapped_column(default=utcnow)


# -- licensing -------------------------------------------------------------------------


class LicenseAssignment(Base):
    """Graph's licenseAssignmentState: one per user per SKU per source."""

    __tablename__ = "license_assignment"
    __table_args__ = (
        Index("ix_license_assignment_source_state", "source_id", "state"),
        Index("ix_license_assignment_sku_state", "sku_id", "state"),
        # The assignments in error by source group: only those rows (a few), so that a
        # group's errors are read without walking its other members, at no cost to writes
        # of the assignments that work.
        Index(
            "ix_license_assignment_errors",
            "source_id",
            "user_id",
            sqlite_where=text("error IS NOT NULL"),
            postgresql_where=text("error IS NOT NULL"),
        ),
    )
    user_id: Mapped[UUID] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True
    )
    sku_id: Mapped[UUID] = mapped_column(primary_key=True)
    #: The assigning group, or None for a direct assignment.
    source_id: Mapped[UUID | None] = mapped_column(
        AssigningGroup(), primary_key=True, nullable=False
    )
    disabled_plans: Mapped[frozenset[UUID]] = mapped_column(PlanSet, default=frozenset())
    state: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(String(48))
    since: Mapped[datetime]
    updated: Mapped[datetime] = mapped_column(default=utcnow)


class QueuedUser(Base):
    """A user whose licenses must be evaluated again.

    A worker claims rows inside the transaction that processes them (row locks on
    PostgreSQL) and deletes them in it: a worker that dies never commits, so its claim
    ends with its connection.
    """

    __tablename__ = "license_queue"
    __table_args__ = (
        Index("ix_license_queue_order", "priority", "user_id"),
        # On SQLite the rows live in the primary key's B-tree: claiming and deleting a
        # batch touch two B-trees instead of three (five times faster to delete).
        {"sqlite_with_rowid": False},
    )
    user_id: Mapped[UUID] = mapped_column(primary_key=True)
    #: Oldest intent first: the seat goes to whoever asked first.
    priority: Mapped[datetime]
    enqueued_at: Mapped[datetime] = mapped_column(default=utcnow)


class BatchTotals(Base):
    """What the workers processed, counted in each batch's own transaction (`/metrics`).

    In the database rather than in a worker's memory: a worker has no HTTP server of its
    own, workers run on any machine, and a batch that rolls back counts nothing.
    """

    __tablename__ = "batch_totals"
    #: The one row: 1.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    batches: Mapped[int] = mapped_column(BigInteger, default=0)
    users: Mapped[int] = mapped_column(BigInteger, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class WebhookAttemptTotal(Base):
    """Webhook delivery attempts by result, counted in the transaction that records each
    (`/metrics`): the workers that send them have no HTTP server of their own."""

    __tablename__ = "webhook_attempt_total"
    #: succeeded (2xx), failed (another answer), error (no answer).
    result: Mapped[str] = mapped_column(String(16), primary_key=True)
    attempts: Mapped[int] = mapped_column(BigInteger, default=0)


class BatchDurationBucket(Base):
    """The batch duration histogram: batches that took at most `le` seconds (cumulative)."""

    __tablename__ = "batch_duration_bucket"
    le: Mapped[float] = mapped_column(Float, primary_key=True, autoincrement=False)
    batches: Mapped[int] = mapped_column(BigInteger, default=0)


class AuditEvent(Base):
    """Graph's directoryAudit.

    `initiated_by` and `target_resources` keep the JSON that is returned; the `initiator_*`
    columns and `AuditTarget` rows copy what `$filter` compares, so that it reads an index.
    String filters compare lower-cased values: their indexes are on lower(column).
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_initiator_user_id", text("lower(initiator_user_id)")),
        Index("ix_audit_event_initiator_user_name", text("lower(initiator_user_name)")),
        Index("ix_audit_event_initiator_upn", text("lower(initiator_upn)")),
        Index("ix_audit_event_initiator_app_id", text("lower(initiator_app_id)")),
        Index("ix_audit_event_initiator_app_name", text("lower(initiator_app_name)")),
    )
    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    activity_date_time: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    activity_display_name: Mapped[str] = mapped_column(String(128), index=True)
    category: Mapped[str] = mapped_column(String(64))
    initiated_by: Mapped[dict[str, Any]] = mapped_column(JSON)
    target_resources: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    result: Mapped[str] = mapped_column(String(16), default="success")
    result_reason: Mapped[str] = mapped_column(Text, default="")
    modified_properties: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: Shared by the events of one API request or one worker batch.
    correlation_id: Mapped[UUID] = mapped_column(index=True, default=uuid4)
    logged_by_service: Mapped[str] = mapped_column(String(64), server_default="Core Directory")
    operation_type: Mapped[str] = mapped_column(String(32), server_default="Update")
    #: Graph's keyValue list: [{"key": ..., "value": ...}].
    additional_details: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, server_default=text("'[]'")
    )
    initiator_user_id: Mapped[str | None] = mapped_column(String(64))
    initiator_user_name: Mapped[str | None] = mapped_column(String(256))
    initiator_upn: Mapped[str | None] = mapped_column(String(256))
    initiator_app_id: Mapped[str | None] = mapped_column(String(64))
    initiator_app_name: Mapped[str | None] = mapped_column(String(256))


class AuditTarget(Base):
    """A target of an audit event, as `targetResources/any(t:t/id eq …)` looks it up."""

    __tablename__ = "audit_target"
    __table_args__ = (
        Index("ix_audit_target_target_id", text("lower(target_id)")),
        Index("ix_audit_target_display_name", text("lower(display_name)")),
    )
    event_id: Mapped[UUID] = mapped_column(
        ForeignKey("audit_event.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_id: Mapped[str | None] = mapped_column(String(256))
    display_name: Mapped[str | None] = mapped_column(String(256))


# -- change log ------------------------------------------------------------------------


class DirectoryChange(Base):
    """One committed change to a user, a group or a membership (`services.changes`).

    Written in the transaction of the change itself, read by delta queries and change
    notifications. `seq` only grows (AUTOINCREMENT on SQLite: never reused after pruning);
    on PostgreSQL `txid` is the writing transaction's id, which is how readers know what
    has committed (see `services.changes`).
    """

    __tablename__ = "directory_change"
    __table_args__ = (
        Index(
            "ix_directory_change_txid",
            "txid",
            sqlite_where=text("txid IS NOT NULL"),
            postgresql_where=text("txid IS NOT NULL"),
        ),
        {"sqlite_autoincrement": True},
    )
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    #: PostgreSQL: pg_current_xact_id() of the writing transaction; NULL on SQLite.
    txid: Mapped[int | None] = mapped_column(BigInteger)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: "user", "group" or "member" (of the group `object_id`: the user `member_id`).
    kind: Mapped[str] = mapped_column(String(8))
    object_id: Mapped[UUID]
    member_id: Mapped[UUID | None]
    #: "created", "updated", "deleted" (users, groups); "added", "removed" (members).
    change: Mapped[str] = mapped_column(String(8))
    #: The Graph properties an update changed, comma-separated (NULL otherwise).
    properties: Mapped[str | None] = mapped_column(Text)


# -- events and webhooks ----------------------------------------------------------------

#: An integer key that counts up: BIGINT on PostgreSQL, SQLite's rowid on SQLite.
_SERIAL = BigInteger().with_variant(Integer(), "sqlite")


class OutboxEvent(Base):
    """An event, written in the transaction of the change that causes it (an outbox).

    Events of many users are batched: one row names up to `events.USERS_PER_EVENT` users.
    """

    __tablename__ = "outbox_event"
    id: Mapped[int] = mapped_column(_SERIAL, primary_key=True, autoincrement=True)
    #: The Standard Webhooks `webhook-id`: the same on every attempt and redelivery.
    message_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(64))
    occurred: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: What endpoints filter on: the product and the group the event is about, if any.
    sku_id: Mapped[UUID | None]
    group_id: Mapped[UUID | None]
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class WebhookEndpoint(Base):
    """Where events are sent, which ones, in which format, signed with which secret."""

    __tablename__ = "webhook_endpoint"
    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    url: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(String(256), default="")
    #: Event types, space-separated; `*` for every type.
    event_types: Mapped[str] = mapped_column(Text)
    sku_id: Mapped[UUID | None]
    group_id: Mapped[UUID | None]
    #: standard, slack or teams.
    format: Mapped[str] = mapped_column(String(16), default="standard")
    #: `whsec_…`: needed in clear to sign; shown to the administrator once.
    secret: Mapped[str] = mapped_column(String(128))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(default=utcnow)
    #: The first failure since the last success: a day of failures disables the endpoint.
    failing_since: Mapped[datetime | None]
    #: When the delivery at the head of the endpoint's queue may be tried again.
    retry_at: Mapped[datetime | None]
    #: The worker sending to this endpoint, until when (a dead worker's lease runs out).
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]


class WebhookDelivery(Base):
    """One event for one endpoint; sent in `id` order per endpoint, retried until delivered."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        Index("ix_webhook_delivery_endpoint_id", "endpoint_id", "id"),
        Index(
            "ix_webhook_delivery_pending",
            "endpoint_id",
            "id",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )
    id: Mapped[int] = mapped_column(_SERIAL, primary_key=True, autoincrement=True)
    endpoint_id: Mapped[UUID] = mapped_column(ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(
        _SERIAL, ForeignKey("outbox_event.id", ondelete="CASCADE"), index=True
    )
    #: pending (not delivered yet, retried) or succeeded.
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt: Mapped[datetime | None]
    delivered: Mapped[datetime | None]
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)


class SeatAlert(Base):
    """An administrator's threshold: an event when a product's available seats fall under it."""

    __tablename__ = "seat_alert"
    sku_id: Mapped[UUID] = mapped_column(
        ForeignKey("product.sku_id", ondelete="CASCADE"), primary_key=True
    )
    below: Mapped[int] = mapped_column(Integer)


class GraphSubscription(Base):
    """A Microsoft Graph change notification subscription (`services.graph_subscriptions`).

    Its notifications are sent through a webhook endpoint of its own (`endpoint_id`)."""

    __tablename__ = "graph_subscription"
    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    #: users, groups or groups/{id}/members.
    resource: Mapped[str] = mapped_column(String(128))
    #: created, updated, deleted: comma-separated.
    change_type: Mapped[str] = mapped_column(String(32))
    notification_url: Mapped[str] = mapped_column(Text)
    lifecycle_notification_url: Mapped[str | None] = mapped_column(Text)
    client_state: Mapped[str | None] = mapped_column(String(128))
    expiration: Mapped[datetime]
    #: The token that created it.
    creator_id: Mapped[str | None] = mapped_column(String(64))
    latest_supported_tls_version: Mapped[str] = mapped_column(String(8), default="v1_2")
    endpoint_id: Mapped[UUID] = mapped_column(ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    created: Mapped[datetime] = mapped_column(default=utcnow)


class NotificationCursor(Base):
    """Where the change notifications stand in the change log (`changes.Cursor`, as text)."""

    __tablename__ = "notification_cursor"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[str] = mapped_column(Text)


# -- API access --------------------------------------------------------------------------


class AccessToken(Base):
    """A bearer token of the API: only its hash is stored; `id` is its public prefix."""

    __tablename__ = "access_token"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    #: sha256 of the whole token, hex.
    token_hash: Mapped[str] = mapped_column(String(64))
    #: Permission names, space-separated.
    scopes: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(default=utcnow)
    revoked: Mapped[datetime | None]


class AppSecret(Base):
    """Secrets generated once and shared by every process of a deployment."""

    __tablename__ = "app_secret"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))


# -- portal ------------------------------------------------------------------------------


class AdminAccount(Base):
    """An administrator of the portal: a role and an Argon2id password hash."""

    __tablename__ = "admin_account"
    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    username: Mapped[str] = mapped_column(String(128))
    #: Lower-cased username: sign-in names are unique whatever their case.
    username_key: Mapped[str] = mapped_column(String(128), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(256))
    created: Mapped[datetime] = mapped_column(default=utcnow)
    #: Sessions issued before this moment are void: signing out ends them all.
    sessions_valid_after: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in: Mapped[datetime | None]
