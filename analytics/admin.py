from django.contrib import admin

from .models import ReportRequest, ReportSchedule, WarehouseLoad


@admin.register(ReportSchedule)
class ReportScheduleAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "format", "frequency", "owner", "region", "store", "is_active", "last_sent_at"]
    list_filter = ["kind", "frequency", "is_active"]


@admin.register(ReportRequest)
class ReportRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "format", "status", "percent", "requested_by", "created_at", "expires_at"]
    list_filter = ["kind", "status"]
    readonly_fields = ["scope", "file", "rows", "error", "created_at", "finished_at", "expires_at"]


@admin.register(WarehouseLoad)
class WarehouseLoadAdmin(admin.ModelAdmin):
    list_display = ["day", "status", "rows", "files", "started_at", "finished_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in WarehouseLoad._meta.fields]
