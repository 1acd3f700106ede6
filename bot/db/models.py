"""The schema, as SQLAlchemy 2 models. Alembic migrations in ``migrations/`` create it.

Enumerations are stored as short strings with named CHECK constraints: readable in SQL, and
portable between SQLite and PostgreSQL without native enum types to migrate.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Named constraints, so later migrations (batch mode on SQLite) can drop and alter them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on the way in and out (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    OPERATOR = "operator"


class MemberStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    LEFT = "left"


class MemberType(StrEnum):
    VENUE_OPERATOR = "venue_operator"
    INFRASTRUCTURE_OWNER = "infrastructure_owner"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Member(Base):
    """A person known to the bot. After /leave the row stays, anonymised, for the audit trail."""

    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint(_in("role", Role), name="role"),
        CheckConstraint(_in("status", MemberStatus), name="status"),
        CheckConstraint(f"member_type IS NULL OR {_in('member_type', MemberType)}", name="type"),
        Index("ix_members_status_role", "status", "role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # NULL once the member has left: the Telegram id is personal data too.
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    username: Mapped[str | None] = mapped_column(String(32))
    full_name: Mapped[str | None] = mapped_column(String(100))
    organisation: Mapped[str | None] = mapped_column(String(150))
    phone: Mapped[str | None] = mapped_column(String(32))
    member_type: Mapped[str | None] = mapped_column(String(24))
    role: Mapped[str] = mapped_column(String(16), default=Role.OPERATOR)
    status: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(2))
    # Coordinators' scope; an empty list means every province (or sector): national.
    scope_provinces: Mapped[list[str]] = mapped_column(JSON, default=list)
    scope_sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    # Set when Telegram says the bot cannot reach them (blocked, deactivated); cleared when
    # they write to the bot again.
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    sites: Mapped[list[Site]] = relationship(
        back_populates="member", order_by="Site.id", cascade="all, delete-orphan"
    )

    @property
    def display_name(self) -> str:
        """Who a person is on a card: their name, or their member number once it is erased
        (they left) or never given; never a bare "-"."""
        return self.full_name or f"#{self.id}"

    @property
    def is_coordinator(self) -> bool:
        """Admins act as national coordinators."""
        return self.role in (Role.ADMIN, Role.COORDINATOR)

    @property
    def active_sites(self) -> list[Site]:
        return [s for s in self.sites if s.active]

    def covers(self, *, sector: str, province: str) -> bool:
        """Whether this coordinator's scope includes a site of that sector and province."""
        if self.role == Role.ADMIN:
            return True
        return (not self.scope_sectors or sector in self.scope_sectors) and (
            not self.scope_provinces or province in self.scope_provinces
        )


class Site(Base):
    """A venue or installation a member is responsible for: what advisories are addressed by."""

    __tablename__ = "sites"
    __table_args__ = (Index("ix_sites_sector_province", "sector", "province"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    sector: Mapped[str] = mapped_column(String(16))
    province: Mapped[str] = mapped_column(String(2))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship(back_populates="sites")


class Consent(Base):
    """Recorded consent to the processing of personal data (UU 27/2022 on personal data)."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    text_version: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Invite(Base):
    """An invite code that registers without vetting. Only the code's hash is stored."""

    __tablename__ = "invites"
    __table_args__ = (CheckConstraint("uses >= 0 AND uses <= max_uses", name="uses"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    organisation: Mapped[str | None] = mapped_column(String(150))
    sector: Mapped[str | None] = mapped_column(String(16))
    province: Mapped[str | None] = mapped_column(String(2))
    max_uses: Mapped[int] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InviteRedemption(Base):
    """Which member registered with which invite (its own table: members and invites refer
    to each other otherwise, a cycle SQLite cannot create)."""

    __tablename__ = "invite_redemptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invite_id: Mapped[int] = mapped_column(ForeignKey("invites.id"), index=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), unique=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FlowState(Base):
    """Where a user is in a multi-step flow (registration, a reason being typed, ...).

    Kept in the database so a flow survives a restart and any instance can take the next step.
    """

    __tablename__ = "flow_states"

    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AuditEntry(Base):
    """A privileged action. Refers to members by internal id only, so it survives erasure."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target_member_id", "target_member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # A member, or a label for the system ("cli", "config") when no member acted.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    actor_label: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    target_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AdvisoryStatus(StrEnum):
    DRAFT = "draft"  # being composed
    SUBMITTED = "submitted"  # waiting for a second coordinator
    RELEASED = "released"
    REJECTED = "rejected"
    CANCELLED = "cancelled"  # retracted after release, or withdrawn before


class Advisory(Base):
    """A security advisory, one row per version; an update is a new row with the same root."""

    __tablename__ = "advisories"
    __table_args__ = (
        CheckConstraint(_in("status", AdvisoryStatus), name="status"),
        CheckConstraint("severity IN ('Extreme', 'Severe', 'Moderate', 'Minor')", name="severity"),
        CheckConstraint("urgency IN ('Immediate', 'Expected', 'Future')", name="urgency"),
        CheckConstraint(
            "certainty IN ('Observed', 'Likely', 'Possible', 'Unlikely')", name="certainty"
        ),
        CheckConstraint("tlp IN ('CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED')", name="tlp"),
        Index("ix_advisories_status_released_at", "status", "released_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The first version's id; every version of one advisory shares it.
    root_id: Mapped[int | None] = mapped_column(ForeignKey("advisories.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    status: Mapped[str] = mapped_column(String(16), default=AdvisoryStatus.DRAFT)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    actions: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(12))
    urgency: Mapped[str] = mapped_column(String(12))
    certainty: Mapped[str] = mapped_column(String(12))
    tlp: Mapped[str] = mapped_column(String(16))
    exercise: Mapped[bool] = mapped_column(default=False)
    ack_required: Mapped[bool] = mapped_column(default=True)
    # Audience: sectors x provinces (an empty list means all); for RED, named members only.
    audience_sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    audience_provinces: Mapped[list[str]] = mapped_column(JSON, default=list)
    audience_member_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    emergency: Mapped[bool] = mapped_column(default=False)  # released by one admin alone
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed by a worker until lease_until
    SENT = "sent"
    FAILED = "failed"  # gave up after retries, or Telegram refused the message itself
    UNREACHABLE = "unreachable"  # blocked the bot, deactivated, chat gone
    # Not sent, on purpose: its advisory was cancelled, or its recipient is no longer active.
    CANCELLED = "cancelled"


class Delivery(Base):
    """One outgoing message in the durable queue, rendered for its recipient.

    Written in the transaction that decides it must go (release, cancel, reminder), drained
    by the delivery worker: a crash loses nothing, and only in-flight sends can repeat.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint(_in("status", DeliveryStatus), name="status"),
        # The worker's claim: due rows, most urgent first.
        Index("ix_deliveries_due", "status", "priority", "not_before", "id"),
        Index("ix_deliveries_advisory_member", "advisory_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # What it is: "advisory", "cancel", "reminder", "escalation", "notice", ...
    kind: Mapped[str] = mapped_column(String(16))
    advisory_id: Mapped[int | None] = mapped_column(ForeignKey("advisories.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # Lower goes first: 0 for Extreme/Immediate, rising for routine traffic.
    priority: Mapped[int] = mapped_column(Integer, default=50)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.QUEUED)
    text: Mapped[str] = mapped_column(Text)
    reply_markup: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    protect_content: Mapped[bool] = mapped_column(default=False)
    reply_to_message_id: Mapped[int | None] = mapped_column(Integer)
    paid_broadcast: Mapped[bool] = mapped_column(default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    message_id: Mapped[int | None] = mapped_column(Integer)  # Telegram's, once sent
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(300))
    # A send timed out after the request reached Telegram: the message may have arrived. It
    # is retried at most once, and a cancellation notice goes out without a reply to it.
    maybe_delivered: Mapped[bool] = mapped_column(default=False)
    # A media message instead of text (reports' attachments): "photo", "video", "document"
    # with a Telegram file_id in media_ref (text is the caption), or "location" with
    # "latitude,longitude". NULL: a text message.
    media_kind: Mapped[str | None] = mapped_column(String(16))
    media_ref: Mapped[str | None] = mapped_column(String(255))
    # A check-in's checklist message: reminders reply to it once it is sent.
    site_checkin_id: Mapped[int | None] = mapped_column(
        ForeignKey("site_checkins.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AdvisoryRecipient(Base):
    """Who an advisory version was addressed to, what became of their copy, and whether they
    acknowledged it: the advisory's own record, kept when the queue's rows are purged.

    The delivery worker writes the outcome here in the transaction that records the send.
    """

    __tablename__ = "advisory_recipients"
    __table_args__ = (
        CheckConstraint(_in("status", DeliveryStatus), name="status"),
        Index("uq_advisory_recipients_member", "advisory_id", "member_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    advisory_id: Mapped[int] = mapped_column(ForeignKey("advisories.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    # The queue row that carries (or carried) the copy; NULL once the queue is purged.
    delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("deliveries.id", ondelete="SET NULL"), index=True
    )
    # queued until the copy settles; then sent, failed, unreachable or cancelled.
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.QUEUED)
    message_id: Mapped[int | None] = mapped_column(Integer)  # Telegram's: reminders reply to it
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    maybe_delivered: Mapped[bool] = mapped_column(default=False)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The advisory was cancelled: when this person's notice was queued (exactly once).
    cancel_noticed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# --- Check-ins on protective measures ---


class Checklist(Base):
    """One version of a sector's checklist. A new import or extension adds a version; rounds
    keep the version they were sent with, so old answers keep their meaning."""

    __tablename__ = "checklists"
    __table_args__ = (
        # Two instances seeding the same sector at once: one wins, the other re-reads.
        Index("uq_checklists_sector_version", "sector", "version", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sector: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(200))  # "default", or the imported file's name
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    items: Mapped[list[ChecklistItem]] = relationship(
        order_by="ChecklistItem.position", cascade="all, delete-orphan"
    )


class ChecklistItem(Base):
    __tablename__ = "checklist_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checklist_id: Mapped[int] = mapped_column(
        ForeignKey("checklists.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(32))  # stable across versions: compliance by item
    text_id: Mapped[str] = mapped_column(String(200))
    text_en: Mapped[str] = mapped_column(String(200))
    critical: Mapped[bool] = mapped_column(default=False)


class CheckinSchedule(Base):
    """A recurring check-in: a cron expression read in each venue's local time (WIB, WITA,
    WIT), for some sectors and provinces (an empty list means all)."""

    __tablename__ = "checkin_schedules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    cron: Mapped[str] = mapped_column(String(100))
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    provinces: Mapped[list[str]] = mapped_column(JSON, default=list)
    deadline_hours: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CheckinRound(Base):
    """One sending of the checklists to a set of sites.

    A scheduled round is identified by (schedule, time zone, scheduled time): the unique index
    makes its creation happen once, whatever instance or retry gets there. Ad-hoc rounds
    (``/checkin``) have no schedule.
    """

    __tablename__ = "checkin_rounds"
    __table_args__ = (
        Index("uq_checkin_rounds_slot", "schedule_id", "zone", "scheduled_at", unique=True),
        Index("ix_checkin_rounds_deadline", "escalated_at", "deadline_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("checkin_schedules.id"))
    zone: Mapped[str | None] = mapped_column(String(32))  # the schedule's time zone
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    catch_up: Mapped[bool] = mapped_column(default=False)  # created late, after downtime
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    provinces: Mapped[list[str]] = mapped_column(JSON, default=list)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SiteCheckinStatus(StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"


class SiteCheckin(Base):
    """One site's checklist in one round: what its operator answers and submits."""

    __tablename__ = "site_checkins"
    __table_args__ = (
        CheckConstraint(_in("status", SiteCheckinStatus), name="status"),
        Index("uq_site_checkins_round_site", "round_id", "site_id", unique=True),
        Index("ix_site_checkins_site", "site_id", "round_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("checkin_rounds.id", ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    checklist_id: Mapped[int] = mapped_column(ForeignKey("checklists.id"))
    # Copied from the site when the round starts, so compliance by province and sector does
    # not move when a site is later edited.
    sector: Mapped[str] = mapped_column(String(16))
    province: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16), default=SiteCheckinStatus.OPEN)
    cursor: Mapped[int] = mapped_column(Integer, default=0)  # position of the item being asked
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late: Mapped[bool] = mapped_column(default=False)  # submitted after the deadline


class CheckinAnswer(Base):
    __tablename__ = "checkin_answers"
    __table_args__ = (
        CheckConstraint("answer IN ('yes', 'no', 'na')", name="answer"),
        Index("uq_checkin_answers_item", "site_checkin_id", "item_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_checkin_id: Mapped[int] = mapped_column(ForeignKey("site_checkins.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_items.id"))
    answer: Mapped[str] = mapped_column(String(3))
    note: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    late: Mapped[bool] = mapped_column(default=False)  # given after the round's deadline


# --- Suspicious activity reports ---


class ReportStatus(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    ESCALATED = "escalated"  # passed to the police
    CLOSED = "closed"


REPORT_CATEGORIES = (
    # The sixteen behaviour categories of the ISE-SAR functional standard, then "other".
    "breach",
    "misrep",
    "theft",
    "sabotage",
    "cyber",
    "threat",
    "aviation",
    "eliciting",
    "probing",
    "recruiting",
    "photography",
    "surveillance",
    "materials",
    "expertise",
    "weapons",
    "sector",
    "other",
)
REPORT_CLOSURES = ("resolved", "unfounded", "duplicate")
ATTACHMENT_KINDS = ("photo", "video", "document")


class Report(Base):
    """A suspicious activity report, submitted by a member; triaged by coordinators."""

    __tablename__ = "reports"
    __table_args__ = (
        CheckConstraint(_in("status", ReportStatus), name="status"),
        CheckConstraint(
            f"category IN ({', '.join(repr(c) for c in REPORT_CATEGORIES)})", name="category"
        ),
        CheckConstraint(
            f"closure IS NULL OR closure IN ({', '.join(repr(c) for c in REPORT_CLOSURES)})",
            name="closure",
        ),
        Index("ix_reports_status_submitted_at", "status", "submitted_at"),
        Index("ix_reports_reporter_submitted_at", "reporter_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    status: Mapped[str] = mapped_column(String(16), default=ReportStatus.NEW)
    immediate: Mapped[bool] = mapped_column(default=False)  # someone in danger now
    category: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    # Where: one of the reporter's sites, or a shared location and/or a typed place.
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    place: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # What routes it: the site's sector and province (or those given for another place).
    sector: Mapped[str] = mapped_column(String(16))
    province: Mapped[str] = mapped_column(String(2))
    # When it was seen: "now", "hour", "today", or "earlier" with the reporter's words.
    observed: Mapped[str] = mapped_column(String(16))
    observed_text: Mapped[str | None] = mapped_column(String(120))
    people: Mapped[str] = mapped_column(Text, default="")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    closure: Mapped[str | None] = mapped_column(String(16))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attachments: Mapped[list[ReportAttachment]] = relationship(
        order_by="ReportAttachment.position", cascade="all, delete-orphan"
    )


class ReportAttachment(Base):
    """A photo, video or document of a report, kept as Telegram's file_id (not downloaded)."""

    __tablename__ = "report_attachments"
    __table_args__ = (CheckConstraint(f"kind IN {ATTACHMENT_KINDS!r}", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    file_id: Mapped[str] = mapped_column(String(255))
    file_unique_id: Mapped[str] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    mime: Mapped[str | None] = mapped_column(String(100))
    file_name: Mapped[str | None] = mapped_column(String(255))
    caption: Mapped[str | None] = mapped_column(String(1024))


class ReportEvent(Base):
    """A report's history: state changes, questions to the reporter and their answers.

    ``note`` is internal (coordinators only); ``internal`` events are not told to the reporter.
    """

    __tablename__ = "report_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    # "submitted", "state", "question", "answer", "advisory"
    kind: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(default=False)
    # For a question: the delivery that carries it, so a reply to it finds the report.
    delivery_id: Mapped[int | None] = mapped_column(Integer, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
