"""Reports and what comes of them: new reports as submissions, the
submissions as received, the review of teams' stances and evidence (the
matcher's flags and suggested stances: review.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from claims import services
from claims.admin.common import (
    REVIEW_FIELDS,
    EvidenceForm,
    HistoryAdmin,
    ModelAdmin,
    ReviewActionsMixin,
    evidence_file_link,
    evidence_save_new,
    request_team,
    request_user,
    stance_save_new,
)
from claims.ingest.language import not_matched_note
from claims.models import (
    Evidence,
    Report,
    ReportMatchProgress,
    Source,
    Stance,
    Submission,
    SubmissionReport,
    Team,
)
from claims.normalize import text_hash
from claims.services import dispatch, report_matching


class ReportForm(forms.ModelForm):
    class Meta:
        model = Report
        fields = "__all__"  # noqa: DJ007 -- the admin's fieldsets decide what shows

    def clean_text(self) -> str:
        # Only the change form uses this form: new reports are submissions (ReportAdmin.add_view).
        text = self.cleaned_data.get("text", "")
        if text.strip():
            clash = Report.objects.filter(text_hash=text_hash(text)).exclude(pk=self.instance.pk).first()
            if clash is not None:
                raise ValidationError(f"Another report has the same text: “{clash}” (#{clash.pk}).")
        return text


class ReportIngestForm(forms.Form):
    """New reports come in as a submission: pasted text, a file (text, HTML,
    PDF) or a URL fetched through the guarded fetcher. A multi-article
    document is split into its articles; the same text twice is one report."""

    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 16, "cols": 100}), required=False)
    file = forms.FileField(required=False, help_text="Plain text, HTML or PDF.")
    url = forms.URLField(label="URL", required=False, assume_scheme="https", help_text="Fetched once, now.")
    title = forms.CharField(max_length=500, required=False, help_text="Optional: taken from the text if empty.")
    source = forms.ModelChoiceField(queryset=Source.objects.order_by("name"), required=False)
    published_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > settings.MAX_UPLOAD_BYTES:
            raise ValidationError(f"The file is larger than the {settings.MAX_UPLOAD_BYTES // (1024 * 1024)} MB limit.")
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = [name for name in ("text", "file", "url") if data.get(name)]
        if len(given) != 1:
            raise ValidationError("Give exactly one of: pasted text, a file, or a URL.")
        return data

    def submit(self, *, user: Any, team: Team | None) -> services.Submitted:
        data = self.cleaned_data
        upload, text = data["file"], data["text"]
        if upload:
            channel, raw, content_type = Submission.Channel.ADMIN_FILE, upload.read(), upload.content_type or ""
        elif text:
            channel, raw, content_type = Submission.Channel.ADMIN_TEXT, text.encode(), "text/plain"
        else:  # a URL, fetched by the service
            channel, raw, content_type = Submission.Channel.URL, None, ""
        return services.report_submit(
            channel=channel,
            user=user,
            team=team,
            raw=raw,
            url=data["url"],
            filename=(upload.name or "") if upload else "",
            content_type=content_type,
            title=data["title"],
            source=data["source"],
            published_on=data["published_on"],
        )


@admin.register(Report)
class ReportAdmin(HistoryAdmin):
    form = ReportForm
    actions = ["retry_matching"]
    list_display = ["title", "source", "published_on", "document_symbol", "language", "status", "flag_count"]
    list_filter = ["status", "source__kind"]
    list_select_related = ["source"]
    search_fields = ["title", "document_symbol", "url", "source__name"]
    autocomplete_fields = ["source", "cited_by"]
    readonly_fields = [
        "team",
        "flag_links",
        "text_hash",
        "status",
        "matching_progress",
        "attempts",
        "lease_expires_at",
        "last_error",
        "processed_at",
        "matcher_version",
        "created_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "source", "url", "document_symbol", "language", "team", "text"]}),
        ("Date", {"fields": [("published_on", "published_precision")]}),
        ("Citations", {"fields": ["cited_by"]}),
        (
            "Matching",
            {
                "fields": [
                    "status",
                    "matching_progress",
                    "flag_links",
                    "attempts",
                    "lease_expires_at",
                    "last_error",
                    "processed_at",
                    "matcher_version",
                    "text_hash",
                    "created_at",
                ]
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(flag_count=Count("flags"))

    @admin.display(description="flags", ordering="flag_count")
    def flag_count(self, obj: Report) -> int:
        return obj.flag_count  # type: ignore[attr-defined]

    @admin.display(description="progress")
    def matching_progress(self, obj: Report) -> str:
        """A long report is matched in pieces, one run after another."""
        progress = ReportMatchProgress.objects.filter(report_id=obj.pk).first() if obj.pk else None
        if progress is None:
            return "–"
        return (
            f"{progress.next_passage:,} of {progress.passages:,} passages matched so far; "
            "the next run goes on from there (a long report is matched in pieces)."
        )

    @admin.display(description="flags to review")
    def flag_links(self, obj: Report) -> Any:
        """Straight to this report's flags in the review queue."""
        if obj.pk is None:
            return "–"
        changelist = reverse("admin:claims_flag_changelist")
        counts = dict(obj.flags.values_list("status").annotate(n=Count("id")).order_by())
        if not counts:
            return "none"
        return format_html(
            '<a href="{}?report__id__exact={}&status=all">{} flag(s): {}</a>',
            changelist,
            obj.pk,
            sum(counts.values()),
            ", ".join(f"{n} {status}" for status, n in sorted(counts.items())),
        )

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> Any:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ReportIngestForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                submitted = form.submit(user=request_user(request), team=request_team(request))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return self._submitted(request, submitted)
        context = {
            **self.admin_site.each_context(request),
            "title": "Add reports",
            "opts": self.model._meta,
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/claims/report/ingest.html", context)

    def _submitted(self, request: HttpRequest, submitted: services.Submitted) -> HttpResponseRedirect:
        submission = submitted.submission
        page = HttpResponseRedirect(reverse("admin:claims_submission_change", args=[submission.pk]))
        if submission.status == Submission.Status.FAILED:
            self.message_user(
                request,
                f"The upload was kept but could not be read: {submission.error} "
                "It can be retried from the submission's page.",
                messages.ERROR,
            )
            return page
        reports = [report for report, _ in submitted.reports]
        new = sum(created for _, created in submitted.reports)
        told = f"{new} new report(s) stored, {len(reports) - new} already stored (linked, not duplicated)"
        if any(r.status in (Report.Status.PENDING, Report.Status.PROCESSING) for r in reports):
            told += "; matching runs in the background and flags appear in the review queue"
        told += "."
        for language in sorted({r.language for r in reports if r.status == Report.Status.UNSUPPORTED_LANGUAGE}):
            told += " " + not_matched_note(language)
        self.message_user(request, told, messages.SUCCESS)
        return page

    @admin.action(description="Retry matching (failed or stuck reports get fresh attempts)")
    def retry_matching(self, request: HttpRequest, queryset: QuerySet) -> None:
        ids = report_matching.reports_retry(reports=queryset, user=request_user(request))
        dispatch.reports_match(ids)
        self.message_user(request, f"{len(ids)} report(s) sent for matching again.", messages.SUCCESS)


@admin.register(Submission)
class SubmissionAdmin(ModelAdmin):
    """What arrived, exactly as received: read-only."""

    actions = ["retry_parsing"]
    list_display = ["__str__", "channel", "team", "submitted_by", "status", "created_at", "report_count"]
    list_filter = ["channel", "status"]
    list_select_related = ["team", "submitted_by"]
    search_fields = ["filename", "url", "raw_sha256", "idempotency_key"]
    readonly_fields = [
        "channel",
        "submitted_by",
        "team",
        "created_at",
        "raw_sha256",
        "stored_file",
        "filename",
        "content_type",
        "url",
        "idempotency_key",
        "status",
        "error",
        "report_links",
    ]
    fields = tuple(readonly_fields)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(report_count=Count("reports"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Retry parsing failed submissions")
    def retry_parsing(self, request: HttpRequest, queryset: QuerySet) -> None:
        retried = [services.submission_retry(submission=s) for s in queryset.filter(status=Submission.Status.FAILED)]
        still_failed = sum(s.status == Submission.Status.FAILED for s in retried)
        self.message_user(
            request,
            f"{len(retried)} submission(s) retried; {still_failed} still failed (see their error).",
            messages.WARNING if still_failed else messages.SUCCESS,
        )

    @admin.display(description="reports", ordering="report_count")
    def report_count(self, obj: Submission) -> int:
        return obj.report_count  # type: ignore[attr-defined]

    @admin.display(description="raw file")
    def stored_file(self, obj: Submission) -> str:
        # Kept privately; deliberately not linked (no public URL exists).
        return obj.raw_file.name or "–"

    @admin.display(description="reports")
    def report_links(self, obj: Submission) -> Any:
        """Each report, and what this submission gave it where the report (as
        stored, maybe by another submission) has something else."""
        links = list(obj.report_links.select_related("report__source", "source").order_by("pk"))
        if not links:
            return "–"
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>{}',
            (
                (reverse("admin:claims_report_change", args=[link.report_id]), link.report, _sent_otherwise(link))
                for link in links
            ),
        )


def _sent_otherwise(link: SubmissionReport) -> str:
    report = link.report
    sent = [
        f"“{link.title}”" if link.title and link.title != report.title else "",
        link.url if link.url != report.url else "",
        link.document_symbol if link.document_symbol != report.document_symbol else "",
        f"source {link.source}" if link.source_id and link.source_id != report.source_id else "",
        f"published {link.published_on}" if link.published_on and link.published_on != report.published_on else "",
    ]
    told = ", ".join(part for part in sent if part)
    return f" (sent as {told})" if told else ""


@admin.register(Stance)
class StanceAdmin(ReviewActionsMixin, HistoryAdmin):
    review_service = staticmethod(services.stances_review)
    review_argument = "stances"
    actions = ["accept", "reject"]
    list_display = ["actor", "position", "claim", "stated_on", "speaker", "report", "team", "review_status"]
    list_filter = ["review_status", "team", "position"]
    list_select_related = ["actor", "claim", "speaker", "report", "team"]
    search_fields = ["claim__title", "actor__name", "actor__aliases__name", "speaker__name", "quote"]
    autocomplete_fields = ["claim", "actor", "speaker", "report"]
    readonly_fields = [*REVIEW_FIELDS, "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["claim", "actor", "position", ("stated_on", "stated_precision")]}),
        ("Who said it, where", {"fields": ["speaker", "speaker_description", "quote", "quote_kind", "report"]}),
        ("Confidence", {"fields": ["confidence_wording", "confidence", "note"]}),
        ("Submission", {"fields": [*REVIEW_FIELDS, "review_note", "created_at", "updated_at"]}),
    ]

    def save_model(self, request: HttpRequest, obj: Stance, form: Any, change: bool) -> None:
        if change:
            services.row_save(obj=obj, user=request_user(request))
        else:
            stance_save_new(request, form, obj)


@admin.register(Evidence)
class EvidenceAdmin(ReviewActionsMixin, HistoryAdmin):
    form = EvidenceForm
    review_service = staticmethod(services.evidence_review)
    review_argument = "evidence"
    actions = ["accept", "reject"]
    list_display = ["__str__", "kind", "relation", "claim", "report", "file_link", "team", "review_status"]
    list_filter = ["review_status", "team", "kind", "relation"]
    list_select_related = ["claim", "report", "team"]
    search_fields = ["claim__title", "description", "url", "report__title"]
    autocomplete_fields = ["claim", "report"]
    readonly_fields = [*REVIEW_FIELDS, "file_link", "file_sha256", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["claim", "kind", "relation", "description"]}),
        ("Where it is", {"fields": ["report", "url", "file", "file_link", "file_sha256"]}),
        ("Submission", {"fields": [*REVIEW_FIELDS, "review_note", "created_at", "updated_at"]}),
    ]

    @admin.display(description="file")
    def file_link(self, obj: Evidence) -> Any:
        return evidence_file_link(obj)

    def save_model(self, request: HttpRequest, obj: Evidence, form: Any, change: bool) -> None:
        if change:
            services.row_save(obj=obj, user=request_user(request))
        else:
            evidence_save_new(request, form, obj)
