"""advisory_recipients: who received an advisory and who acknowledged it, apart from the queue

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

STATUSES = "status IN ('queued', 'sending', 'sent', 'failed', 'unreachable', 'cancelled')"


def upgrade() -> None:
    op.create_table(
        "advisory_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("advisory_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("maybe_delivered", sa.Boolean(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_noticed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(STATUSES, name=op.f("ck_advisory_recipients_status")),
        sa.ForeignKeyConstraint(
            ["advisory_id"],
            ["advisories.id"],
            name=op.f("fk_advisory_recipients_advisory_id_advisories"),
        ),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["deliveries.id"],
            name=op.f("fk_advisory_recipients_delivery_id_deliveries"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_advisory_recipients_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advisory_recipients")),
    )
    with op.batch_alter_table("advisory_recipients") as batch_op:
        batch_op.create_index("ix_advisory_recipients_advisory_id", ["advisory_id"], unique=False)
        batch_op.create_index("ix_advisory_recipients_member_id", ["member_id"], unique=False)
        batch_op.create_index("ix_advisory_recipients_delivery_id", ["delivery_id"], unique=False)
        batch_op.create_index(
            "uq_advisory_recipients_member", ["advisory_id", "member_id"], unique=True
        )
    # Every advisory copy queued so far becomes a recipient record (one per person and
    # version: the newest row if there were several).
    op.execute(
        """
        INSERT INTO advisory_recipients (
            advisory_id, member_id, delivery_id, status, message_id, sent_at,
            maybe_delivered, acknowledged_at, cancel_noticed_at
        )
        SELECT advisory_id, member_id, id,
               CASE WHEN status = 'sending' THEN 'queued' ELSE status END,
               message_id, sent_at, maybe_delivered, acknowledged_at, cancel_noticed_at
        FROM deliveries
        WHERE id IN (
            SELECT max(id) FROM deliveries
            WHERE kind = 'advisory' AND advisory_id IS NOT NULL AND member_id IS NOT NULL
            GROUP BY advisory_id, member_id
        )
        """
    )
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.drop_column("acknowledged_at")
        batch_op.drop_column("cancel_noticed_at")


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.add_column(sa.Column("acknowledged_at", sa.DateTime(timezone=True)))
        batch_op.add_column(sa.Column("cancel_noticed_at", sa.DateTime(timezone=True)))
    op.execute(
        """
        UPDATE deliveries SET
            acknowledged_at = (SELECT r.acknowledged_at FROM advisory_recipients r
                               WHERE r.delivery_id = deliveries.id),
            cancel_noticed_at = (SELECT r.cancel_noticed_at FROM advisory_recipients r
                                 WHERE r.delivery_id = deliveries.id)
        """
    )
    op.drop_table("advisory_recipients")
