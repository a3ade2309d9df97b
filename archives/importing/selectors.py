"""Reads of import jobs and export records: each person sees their own; tenant administrators
see everyone's (they answer for the company's data)."""
from __future__ import annotations

from django.db.models import QuerySet

from dangan.accounts import roles

from ..models import ExportRecord, ImportJob, ImportRowError


def import_jobs_visible_to(user) -> QuerySet[ImportJob]:
    jobs = ImportJob.objects.select_related("created_by")
    return jobs if roles.is_tenant_admin(user) else jobs.filter(created_by=user)


def import_job_get(*, user, pk: int) -> ImportJob | None:
    return import_jobs_visible_to(user).filter(pk=pk).first()


def import_job_errors(*, job: ImportJob, limit: int | None = None) -> QuerySet[ImportRowError]:
    errors = job.row_errors.filter(phase=job.phase).order_by("row_number", "id")
    return errors[:limit] if limit else errors


def exports_visible_to(user) -> QuerySet[ExportRecord]:
    records = ExportRecord.objects.select_related("created_by")
    return records if roles.is_tenant_admin(user) else records.filter(created_by=user)


def export_get(*, user, pk: int) -> ExportRecord | None:
    return exports_visible_to(user).filter(pk=pk).first()
