"""Celery's view of the MCA ledger: the daily signed head statement, kept outside the
database (agreements/heads.py)."""

from __future__ import annotations

from pathlib import Path

from celery import shared_task
from flask import current_app

from agreements import heads
from agreements.keys import from_config
from persistence import utcnow


@shared_task(name="agreements.export_head")
def export_head_task() -> str:
    """Write a signed statement of the ledger's head to MCA_HEAD_DIR; returns its path."""
    config = current_app.config
    return str(heads.export(Path(config["MCA_HEAD_DIR"]), from_config(config), utcnow()))
