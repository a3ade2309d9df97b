"""The customer list: filters, search, next-page links, htmx refresh, saved filters, Excel export."""
from __future__ import annotations

from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dangan.archives import selectors
from dangan.archives.importing import selectors as export_selectors
from dangan.archives.models import SavedFilter
from dangan.archives.services import exports
from dangan.archives.services.imports import XLSX_TYPE
from dangan.documents.storage import object_store
from dangan.governance.models import AccessRecord
from dangan.governance.services.access import access_record
from dangan.platform.errors import ApplicationError

from ...common import flash_error, found, is_htmx
from .. import saved_filters as saved_filter_services
from ..forms import CustomerFilterForm, SavedFilterForm
from ..pagination import keyset_page


def _query(filters: dict) -> str:
    """The list's query string for `filters` (the form's own parameter names)."""
    params = {k: ("1" if v is True else "0" if v is False else v) for k, v in filters.items()}
    return urlencode(params)


@login_required
@require_GET
def customer_list(request):
    form = CustomerFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    page = keyset_page(selectors.customer_list(user=request.user, filters=filters), request.GET.get("after"))
    # The query log (查询记录): who listed or searched what, and which files the page showed.
    access_record(actor=request.user, action=AccessRecord.Action.LIST, customer_ids=[c.pk for c in page.rows],
                  query={**filters, "via": "web"}, result_count=len(page.rows), request=request)
    query = _query(filters)
    context = {
        "form": form, "page": page, "filters": filters, "query": query,
        "next_url": f"?{query + '&' if query else ''}after={page.next_cursor}" if page.next_cursor else None,
        "first_url": f"?{query}" if query else "?",
        "saved_filters": [(saved, saved_filter_url(saved)) for saved in selectors.saved_filters_of(user=request.user)],
        "save_form": SavedFilterForm(),
    }
    template = "archives/customers/_results.html" if is_htmx(request) else "archives/customers/list.html"
    return render(request, template, context)


@login_required
@require_POST
def saved_filter_create(request):
    form = SavedFilterForm(request.POST)
    filters = CustomerFilterForm(request.POST).filters()
    if form.is_valid():
        try:
            saved_filter_services.saved_filter_create(actor=request.user, name=form.cleaned_data["name"],
                                                      filters=filters)
        except ApplicationError as exc:
            flash_error(request, exc)
        else:
            messages.success(request, _("筛选已保存。"))
    else:
        messages.error(request, _("请输入筛选名称。"))
    return redirect(f"{reverse('archives:customer-list')}?{_query(filters)}")


@login_required
@require_POST
def saved_filter_delete(request, pk: int):
    saved = found(selectors.saved_filters_of(user=request.user).filter(pk=pk).first())
    try:
        saved_filter_services.saved_filter_delete(actor=request.user, saved=saved)
    except ApplicationError as exc:
        flash_error(request, exc)
    return redirect("archives:customer-list")


def saved_filter_url(saved: SavedFilter) -> str:
    return f"{reverse('archives:customer-list')}?{_query(saved.filters)}"


# --- Excel export (archives/services/exports.py) -------------------------------------------------

@login_required
@require_POST
def export_start(request):
    """Exports are permission-checked and logged by the service; small lists are ready at once,
    larger ones are written by the worker while the export page shows progress."""
    filters = CustomerFilterForm(request.POST).filters()
    try:
        record = exports.export_start(actor=request.user, filters=filters)
    except ApplicationError as exc:
        flash_error(request, exc)
        return redirect(f"{reverse('archives:customer-list')}?{_query(filters)}")
    return redirect("archives:export-detail", pk=record.pk)


@login_required
@require_GET
def export_detail(request, pk: int):
    record = found(export_selectors.export_get(user=request.user, pk=pk))
    template = "archives/customers/_export_status.html" if is_htmx(request) else "archives/customers/export.html"
    return render(request, template, {"record": record})


@login_required
@require_GET
def export_download(request, pk: int):
    """Streamed through the app (not a storage URL): the browser only ever talks to this host."""
    record = found(export_selectors.export_get(user=request.user, pk=pk))
    try:
        key = exports.export_file_key(record=record)
    except ApplicationError as exc:
        flash_error(request, exc)
        return redirect("archives:export-detail", pk=pk)
    response = StreamingHttpResponse(object_store().iter_chunks(key), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(record.file_name, safe='')}"
    return response
