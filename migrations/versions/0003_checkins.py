"""check-ins

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkin_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("cron", sa.String(length=100), nullable=False),
        sa.Column("sectors", sa.JSON(), nullable=False),
        sa.Column("provinces", sa.JSON(), nullable=False),
        sa.Column("deadline_hours", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_schedules")),
    )
    op.create_table(
        "checklists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sector", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklists")),
    )
    with op.batch_alter_table("checklists", schema=None) as batch_op:
        batch_op.create_index("uq_checklists_sector_version", ["sector", "version"], unique=True)

    op.create_table(
        "checkin_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("zone", sa.String(length=32), nullable=True),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("catch_up", sa.Boolean(), nullable=False),
        sa.Column("sectors", sa.JSON(), nullable=False),
        sa.Column("provinces", sa.JSON(), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminder_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["members.id"], name=op.f("fk_checkin_rounds_created_by_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["checkin_schedules.id"],
            name=op.f("fk_checkin_rounds_schedule_id_checkin_schedules"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_rounds")),
    )
    with op.batch_alter_table("checkin_rounds", schema=None) as batch_op:
        batch_op.create_index(
            "ix_checkin_rounds_deadline", ["escalated_at", "deadline_at"], unique=False
        )
        batch_op.create_index(
            "uq_checkin_rounds_slot", ["schedule_id", "zone", "scheduled_at"], unique=True
        )

    op.create_table(
        "checklist_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checklist_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("text_id", sa.String(length=200), nullable=False),
        sa.Column("text_en", sa.String(length=200), nullable=False),
        sa.Column("critical", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["checklist_id"],
            ["checklists.id"],
            name=op.f("fk_checklist_items_checklist_id_checklists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_items")),
    )
    with op.batch_alter_table("checklist_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_checklist_items_checklist_id"), ["checklist_id"], unique=False
        )

    op.create_table(
        "site_checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("checklist_id", sa.Integer(), nullable=False),
        sa.Column("sector", sa.String(length=16), nullable=False),
        sa.Column("province", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.CheckConstraint("status IN ('open', 'submitted')", name=op.f("ck_site_checkins_status")),
        sa.ForeignKeyConstraint(
            ["checklist_id"],
            ["checklists.id"],
            name=op.f("fk_site_checkins_checklist_id_checklists"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_site_checkins_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["checkin_rounds.id"],
            name=op.f("fk_site_checkins_round_id_checkin_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_site_checkins_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_checkins")),
    )
    with op.batch_alter_table("site_checkins", schema=None) as batch_op:
        batch_op.create_index("ix_site_checkins_site", ["site_id", "round_id"], unique=False)
        batch_op.create_index("uq_site_checkins_round_site", ["round_id", "site_id"], unique=True)

    op.create_table(
        "checkin_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_checkin_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=3), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.CheckConstraint("answer IN ('yes', 'no', 'na')", name=op.f("ck_checkin_answers_answer")),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["checklist_items.id"],
            name=op.f("fk_checkin_answers_item_id_checklist_items"),
        ),
        sa.ForeignKeyConstraint(
            ["site_checkin_id"],
            ["site_checkins.id"],
            name=op.f("fk_checkin_answers_site_checkin_id_site_checkins"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_answers")),
    )
    with op.batch_alter_table("checkin_answers", schema=None) as batch_op:
        batch_op.create_index(
            "uq_checkin_answers_item", ["site_checkin_id", "item_id"], unique=True
        )

    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("site_checkin_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_deliveries_site_checkin_id"), ["site_checkin_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_deliveries_site_checkin_id_site_checkins"),
            "site_checkins",
            ["site_checkin_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_deliveries_site_checkin_id_site_checkins"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_deliveries_site_checkin_id"))
        batch_op.drop_column("site_checkin_id")

    with op.batch_alter_table("checkin_answers", schema=None) as batch_op:
        batch_op.drop_index("uq_checkin_answers_item")

    op.drop_table("checkin_answers")
    with op.batch_alter_table("site_checkins", schema=None) as batch_op:
        batch_op.drop_index("uq_site_checkins_round_site")
        batch_op.drop_index("ix_site_checkins_site")

    op.drop_table("site_checkins")
    with op.batch_alter_table("checklist_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checklist_items_checklist_id"))

    op.drop_table("checklist_items")
    with op.batch_alter_table("checkin_rounds", schema=None) as batch_op:
        batch_op.drop_index("uq_checkin_rounds_slot")
        batch_op.drop_index("ix_checkin_rounds_deadline")

    op.drop_table("checkin_rounds")
    with op.batch_alter_table("checklists", schema=None) as batch_op:
        batch_op.drop_index("uq_checklists_sector_version")

    op.drop_table("checklists")
    op.drop_table("checkin_schedules")
