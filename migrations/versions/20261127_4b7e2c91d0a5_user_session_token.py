"""user session token: part of every sign-in, rotated to sign a user out everywhere

Revision ID: 4b7e2c91d0a5
Revises: 861162ac4346
Create Date: 2026-11-27 10:00:00.000000
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '4b7e2c91d0a5'
down_revision: str | None = '861162ac4346'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
    # Each existing account gets its own secret (a SQL default would give them all one).
    conn = op.get_bind()
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    for (user_id,) in conn.execute(sa.select(user.c.id)).all():
        conn.execute(
            user.update()
            .where(user.c.id == user_id)
            .values(session_token=secrets.token_urlsafe(32))
        )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column(
            'session_token',
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=64),
            nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_token')
