"""The import wizard: upload an .xlsx / .csv → map its columns (proposed from the headers) → dry
run with its report → apply with a progress bar → download the error report.

Each step is one service of archives/services/imports.py; the dry run and the apply run on the
worker, and the job's page asks for its own state every second while they do (htmx), swapping
in the next step when the worker is done. Jobs are their author's (and the administrators'):
anyone else gets 404, as for the API."""
from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangan.archives.importing import selectors
from dangan.archives.models import ImportJob
from dangan.archives.services import imports as import_services
from dangan.documents.storage import object_store
from dangan.platform.errors import ApplicationError

from ...common import flash_error, found, is_htmx, localized
from ..import_forms import ImportUploadForm, MappingForm

RECENT_JOBS = 20
ERROR_PREVIEW = import_services.ERROR_PREVIEW
RUNNING = (ImportJob.State.VALIDATING, ImportJob.State.APPLYING)
POLL_SECONDS = 1


def visible_job(request, pk: int) -> ImportJob:
    return found(selectors.import_job_get(user=request.user, pk=pk))


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request):
    """Step 1: the file and what it holds (customer files or sales-ledger rows)."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = import_services.import_job_create(actor=request.user, kind=form.cleaned_data["kind"],
                                                        upload=upload, file_name=upload.name)
            except ApplicationError as exc:
                form.add_error("file", exc.localized())
            else:
                return redirect("archives:import-detail", pk=job.pk)
        status = 400
    jobs = selectors.import_jobs_visible_to(request.user).order_by("-created_at", "-id")[:RECENT_JOBS]
    return render(request, "archives/imports/start.html", {"form": form, "jobs": jobs}, status=status)


def job_context(job: ImportJob, *, mapping_form: MappingForm | None = None, mapping_error: str = "") -> dict:
    editable = job.state in (ImportJob.State.PENDING, ImportJob.State.VALIDATED) or (
        job.state == ImportJob.State.FAILED and job.phase == "validate")
    return {
        "job": job,
        "running": job.state in RUNNING,
        "poll_seconds": POLL_SECONDS,
        "mapping_form": (mapping_form or MappingForm(job=job)) if editable else None,
        "mapping_error": mapping_error,
        "row_errors": list(selectors.import_job_errors(job=job, limit=ERROR_PREVIEW)),
        "error_preview": ERROR_PREVIEW,
        "failure": localized(job.failure["message"]) if job.failure else "",
        "resumable": job.state == ImportJob.State.FAILED and job.phase == "apply",
    }


@login_required
@require_GET
def import_detail(request, pk: int):
    """The job's page at whatever step it is; htmx polls answer just the step (#import-job)."""
    job = visible_job(request, pk)
    template = "archives/imports/_job.html" if is_htmx(request) else "archives/imports/job.html"
    return render(request, template, job_context(job))


@login_required
@require_POST
def import_mapping(request, pk: int):
    """Step 2: the mapping confirmed (or corrected) starts the dry run on the worker."""
    job = visible_job(request, pk)
    form = MappingForm(request.POST, job=job)
    error = ""
    if form.is_valid():
        try:
            import_services.import_job_validate(actor=request.user, job=job, mapping=form.mapping())
        except ApplicationError as exc:
            error = form.add_service_errors(exc)
        else:
            return redirect("archives:import-detail", pk=job.pk)
    return render(request, "archives/imports/job.html", job_context(job, mapping_form=form, mapping_error=error),
                  status=400)


@login_required
@require_POST
def import_apply(request, pk: int):
    """Step 3: write the rows that passed (a failed apply resumes where it stopped)."""
    job = visible_job(request, pk)
    try:
        import_services.import_job_apply(actor=request.user, job=job)
    except ApplicationError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("导入已开始，可以离开此页面，稍后回来查看结果。"))
    return redirect("archives:import-detail", pk=job.pk)


@login_required
@require_GET
def import_report(request, pk: int):
    """The per-row error report (.xlsx), streamed through this host like the exports."""
    job = visible_job(request, pk)
    try:
        key = import_services.import_report_key(job=job)
    except ApplicationError as exc:
        flash_error(request, exc)
        return redirect("archives:import-detail", pk=job.pk)
    response = StreamingHttpResponse(object_store().iter_chunks(key), content_type=import_services.XLSX_TYPE)
    name = import_services.import_report_file_name(job)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name, safe='')}"
    return response
