"""Head office imports: upload a CSV, see every row error of a dry run before anything is
written, then apply the same file. A large file runs in the background; its page follows
the progress (htmx polls the job's panel every second until it has finished)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from retail.api.errors import DomainError
from stores.access import Action
from stores.pages import office_page, put_errors

from .. import imports
from ..models import ImportJob, ImportStatus
from .catalogue_forms import ImportForm


@office_page(Action.MANAGE_CATALOGUE)
def import_page(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.create_job(
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                dry_run=request.POST.get("apply") != "1",
                user=request.user,
            )
        except DomainError as exc:
            put_errors(form, exc)
        else:
            return redirect("office:import-detail", pk=job.pk)
    jobs = ImportJob.objects.order_by("-pk")[:20]
    context = {"form": form, "columns": imports.COLUMNS, "jobs": jobs}
    return render(request, "inventory/imports/page.html", context, status=400 if form.errors else 200)


@office_page(Action.MANAGE_CATALOGUE)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ImportJob, pk=pk)
    if request.method == "POST" and job.dry_run and job.status == ImportStatus.DONE and not job.errors:
        with job.file.open("rb") as upload:
            applied = imports.create_job(kind=job.kind, upload=upload, dry_run=False, user=request.user)
        messages.success(request, f"Import {applied.pk}: {applied.get_status_display().lower()}.")
        return redirect("office:import-detail", pk=applied.pk)
    running = job.status in (ImportStatus.PENDING, ImportStatus.RUNNING)
    context = {"job": job, "errors": job.errors[:1000], "running": running}
    template = "inventory/imports/_job.html" if request.headers.get("HX-Request") else "inventory/imports/detail.html"
    return render(request, template, context)
