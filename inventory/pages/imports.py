"""Head office imports: upload a CSV, see every row error of a dry run before anything is
written, then apply the same file."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from retail.api.errors import DomainError
from stores.access import Action
from stores.pages import field_errors, office_page

from .. import imports
from ..models import ImportJob, ImportKind


@office_page(Action.MANAGE_CATALOGUE)
def import_page(request: HttpRequest) -> HttpResponse:
    errors: dict = {}
    if request.method == "POST":
        try:
            job = imports.create_job(
                kind=request.POST.get("kind", ""),
                upload=request.FILES.get("file"),
                dry_run=request.POST.get("apply") != "1",
                user=request.user,
            )
        except DomainError as exc:
            errors = field_errors(exc)
        else:
            return redirect("office:import-detail", pk=job.pk)
    jobs = ImportJob.objects.order_by("-pk")[:20]
    context = {"kinds": ImportKind.choices, "columns": imports.COLUMNS, "errors": errors, "jobs": jobs}
    return render(request, "inventory/imports/page.html", context, status=400 if errors else 200)


@office_page(Action.MANAGE_CATALOGUE)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ImportJob, pk=pk)
    if request.method == "POST" and job.dry_run and job.status == "done" and not job.errors:
        with job.file.open("rb") as upload:
            applied = imports.create_job(kind=job.kind, upload=upload, dry_run=False, user=request.user)
        messages.success(request, f"Import {applied.pk}: {applied.get_status_display().lower()}.")
        return redirect("office:import-detail", pk=applied.pk)
    return render(request, "inventory/imports/detail.html", {"job": job, "errors": job.errors[:1000]})
