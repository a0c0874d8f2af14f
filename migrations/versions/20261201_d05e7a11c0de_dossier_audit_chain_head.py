"""dossier: the audit chain head at build time

Revision ID: d05e7a11c0de
Revises: c0a000f2c85a
Create Date: 2026-12-01 22:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "d05e7a11c0de"
down_revision: str | None = "c0a000f2c85a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: dossiers built before this revision name no chain head.
    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.add_column(sa.Column("audit_seq", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("audit_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.drop_column("audit_hash")
        batch_op.drop_column("audit_seq")
