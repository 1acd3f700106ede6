"""deliveries: a cancelled status, maybe-delivered sends, cancellation notices once

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OLD = "status IN ('queued', 'sending', 'sent', 'failed', 'unreachable')"
NEW = "status IN ('queued', 'sending', 'sent', 'failed', 'unreachable', 'cancelled')"


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.add_column(
            sa.Column("maybe_delivered", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("cancel_noticed_at", sa.DateTime(timezone=True)))
        batch_op.drop_constraint(op.f("ck_deliveries_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_deliveries_status"), NEW)
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.alter_column("maybe_delivered", server_default=None)


def downgrade() -> None:
    op.execute("UPDATE deliveries SET status = 'failed' WHERE status = 'cancelled'")
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.drop_constraint(op.f("ck_deliveries_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_deliveries_status"), OLD)
        batch_op.drop_column("cancel_noticed_at")
        batch_op.drop_column("maybe_delivered")
