"""The email-attachments revision gives emails imported before it their attachment lists."""

import pytest
from alembic import command
from sqlalchemy import create_engine

from tests.conftest import BACKENDS, alembic_config, pg_test_url

BEFORE = "986061da2d8b"  # the revision before correspondenceattachment


@pytest.mark.parametrize("backend", BACKENDS)
def test_existing_email_attachments_are_listed_after_upgrade(backend, tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}" if backend == "sqlite" else pg_test_url("_attach")
    cfg = alembic_config(url)
    command.upgrade(cfg, BEFORE)
    engine = create_engine(url)
    evidence = (
        "INSERT INTO evidence (id, matter_id, sha256, size, media_type, media_label, inline_safe,"
        " type_mismatch, original_filename, display_name, title, source_person, obtained_how,"
        " author, is_original, proves, tags, label_branch, withdrawn_reason, parent_id,"
        " correspondence_id, created_at) VALUES ({id}, 1, '{sha}', 1, 'x', '', FALSE, FALSE,"
        " '{name}', '{name}', '', '', '{how}', '', FALSE, '', '', 0, '', {parent}, 1,"
        " '2024-03-05 00:00:00')"
    )
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO matter (id, reference, title, kind, status, summary, our_side,"
            " label_scheme, created_at, updated_at) VALUES (1, '2022-법무-001', '사건', 'civil',"
            " 'open', '', '', 'gap', '2022-01-27 00:00:00', '2022-01-27 00:00:00')"
        )
        conn.exec_driver_sql(
            "INSERT INTO correspondence (id, matter_id, direction, channel, occurred_on, subject,"
            " summary, sender, recipients, cc, body_text, body_html, import_problems,"
            " created_at) VALUES (1, 1, 'in', 'email', '2024-03-05', '정산', '', '', '', '', '',"
            " '', '', '2024-03-05 00:00:00')"
        )
        rows = [
            (1, "a" * 64, "정산.eml", "upload", "NULL"),
            (2, "b" * 64, "정산내역.xlsx", "email attachment", "1"),
            (3, "c" * 64, "가맹점 목록.csv", "email attachment", "1"),
        ]
        for id_, sha, name, how, parent in rows:
            conn.exec_driver_sql(
                evidence.format(id=id_, sha=sha, name=name, how=how, parent=parent)
            )
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        listed = conn.exec_driver_sql(
            "SELECT correspondence_id, evidence_id, position, filename, problem"
            " FROM correspondenceattachment ORDER BY position"
        ).all()
    assert [tuple(r) for r in listed] == [
        (1, 2, 1, "정산내역.xlsx", ""),
        (1, 3, 2, "가맹점 목록.csv", ""),
    ]
    command.downgrade(cfg, BEFORE)
    command.upgrade(cfg, "head")
    engine.dispose()
