"""advisories and deliveries

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "advisories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("root_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("actions", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=12), nullable=False),
        sa.Column("urgency", sa.String(length=12), nullable=False),
        sa.Column("certainty", sa.String(length=12), nullable=False),
        sa.Column("tlp", sa.String(length=16), nullable=False),
        sa.Column("exercise", sa.Boolean(), nullable=False),
        sa.Column("ack_required", sa.Boolean(), nullable=False),
        sa.Column("audience_sectors", sa.JSON(), nullable=False),
        sa.Column("audience_provinces", sa.JSON(), nullable=False),
        sa.Column("audience_member_ids", sa.JSON(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("emergency", sa.Boolean(), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "certainty IN ('Observed', 'Likely', 'Possible', 'Unlikely')",
            name=op.f("ck_advisories_certainty"),
        ),
        sa.CheckConstraint(
            "severity IN ('Extreme', 'Severe', 'Moderate', 'Minor')",
            name=op.f("ck_advisories_severity"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'released', 'rejected', 'cancelled')",
            name=op.f("ck_advisories_status"),
        ),
        sa.CheckConstraint(
            "tlp IN ('CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED')",
            name=op.f("ck_advisories_tlp"),
        ),
        sa.CheckConstraint(
            "urgency IN ('Immediate', 'Expected', 'Future')", name=op.f("ck_advisories_urgency")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["members.id"], name=op.f("fk_advisories_author_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["cancelled_by_id"], ["members.id"], name=op.f("fk_advisories_cancelled_by_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["members.id"], name=op.f("fk_advisories_decided_by_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["root_id"], ["advisories.id"], name=op.f("fk_advisories_root_id_advisories")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advisories")),
    )
    with op.batch_alter_table("advisories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_advisories_root_id"), ["root_id"], unique=False)
        batch_op.create_index(
            "ix_advisories_status_released_at", ["status", "released_at"], unique=False
        )

    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("advisory_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reply_markup", sa.JSON(), nullable=True),
        sa.Column("protect_content", sa.Boolean(), nullable=False),
        sa.Column("reply_to_message_id", sa.Integer(), nullable=True),
        sa.Column("paid_broadcast", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('queued', 'sending', 'sent', 'failed', 'unreachable')",
            name=op.f("ck_deliveries_status"),
        ),
        sa.ForeignKeyConstraint(
            ["advisory_id"], ["advisories.id"], name=op.f("fk_deliveries_advisory_id_advisories")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_deliveries_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deliveries_advisory_member", ["advisory_id", "member_id"], unique=False
        )
        batch_op.create_index(
            "ix_deliveries_due", ["status", "priority", "not_before", "id"], unique=False
        )

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unreachable_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("unreachable_at")

    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_due")
        batch_op.drop_index("ix_deliveries_advisory_member")

    op.drop_table("deliveries")
    with op.batch_alter_table("advisories", schema=None) as batch_op:
        batch_op.drop_index("ix_advisories_status_released_at")
        batch_op.drop_index(batch_op.f("ix_advisories_root_id"))

    op.drop_table("advisories")
