"""The yearly reception report of a site, as a page and as a tagged PDF (PDF/UA-1).

Same scope rule as the rest of /espace-agent/accueil/: a site outside the user's subtrees is a
404; inside, a user without every read right the report gathers gets a French 403 page. Every
reading (page or PDF) is written to the audit log.
"""

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from bonnefoi.reception import report, selectors
from bonnefoi.reception.views import FORBIDDEN_TEMPLATE, premises_scope_required
from bonnefoi.structures.models import Structure, StructureKind

PAGE_TEMPLATE = "reception/report/site_report.html"
PDF_TEMPLATE = "reception/report/site_report_pdf.html"
YEAR_TEMPLATE = "reception/report/year_choice.html"
FORBIDDEN_MESSAGE = (
    "Le rapport annuel d'accueil rassemble les audits des locaux, la couverture des formations "
    "et les statistiques d'incivilités du site : il est réservé aux responsables qualité et aux "
    "administrateurs du site ou d'une structure dont il dépend."
)


class ReportYearForm(forms.Form):
    """The year asked for from the year field of the site history or of a report."""

    annee = forms.IntegerField(
        label="Année du rapport",
        error_messages={
            "required": "Indiquez l'année du rapport.",
            "invalid": "Indiquez l'année en chiffres, par exemple 2025.",
        },
    )

    def clean_annee(self):
        year = self.cleaned_data["annee"]
        first, last = report.report_year_bounds()
        if not first <= year <= last:
            raise forms.ValidationError(
                f"Choisissez une année entre {first} et {last} : un rapport porte sur une année "
                "commencée."
            )
        return year


def _site_or_404(user, pk: int) -> Structure:
    sites = selectors.structures_in_premises_scope(user).filter(kind=StructureKind.SITE)
    return get_object_or_404(sites, pk=pk)


def _checked(request, pk: int, year: int):
    """(site, None) when the user may read the report, else (site, 403 response); 404 for a
    site outside the scope or a year that cannot have a report."""
    site = _site_or_404(request.user, pk)
    first, last = report.report_year_bounds()
    if not first <= year <= last:
        raise Http404("Aucun rapport pour cette année.")
    if not report.site_report_abilities(request.user, site)["view"]:
        response = render(
            request,
            FORBIDDEN_TEMPLATE,
            {"title": "Accès refusé", "message": FORBIDDEN_MESSAGE},
            status=403,
        )
        return site, response
    return site, None


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@premises_scope_required
def site_report(request, pk: int, year: int):
    """The report page; ``?annee=`` (the year field) redirects to the chosen year."""
    site, refusal = _checked(request, pk, year)
    if refusal is not None:
        return refusal
    if "annee" in request.GET:
        form = ReportYearForm(data=request.GET)
        if form.is_valid():
            return redirect("reception:site_report", pk=site.pk, year=form.cleaned_data["annee"])
        return _private(
            render(
                request,
                YEAR_TEMPLATE,
                {
                    "title": f"Rapport annuel — {site.name}",
                    "site": site,
                    "form": form,
                    "action": request.path,
                },
                status=400,
            )
        )
    data = report.site_report(site, year)
    report.site_report_record_read(actor=request.user, site=site, year=year, output="html")
    first, last = report.report_year_bounds()
    return _private(
        render(
            request,
            PAGE_TEMPLATE,
            {
                "title": f"Rapport annuel d'accueil {year} — {site.name}",
                "report": data,
                "crumb": f"Rapport annuel {year}",
                "report_url": request.path,
                "previous_year": year - 1 if year > first else None,
                "next_year": year + 1 if year < last else None,
                "pdf_url": reverse("reception:site_report_pdf", args=[site.pk, year]),
            },
        )
    )


PDF_OPTIONS = {"pdf_variant": "pdf/ua-1"}  # tagged: structure tree, /MarkInfo, /Lang, title


def report_document(data: dict):
    """The laid-out WeasyPrint document of a report (tests read its text, see kit.py)."""
    from weasyprint import HTML  # heavy import (Pango, fonts): only when a PDF is asked for
    from weasyprint.urls import URLFetcher

    html = render_to_string(
        PDF_TEMPLATE,
        {"title": f"Rapport annuel d'accueil {data['year']} — {data['site'].name}", "report": data},
    )
    # No protocol allowed: the PDF is built from the template alone, nothing is ever fetched.
    fetcher = URLFetcher(allowed_protocols=())
    return HTML(string=html, url_fetcher=fetcher).render(**PDF_OPTIONS)


def report_pdf(data: dict) -> bytes:
    return report_document(data).write_pdf(**PDF_OPTIONS)


@require_safe
@premises_scope_required
def site_report_pdf(request, pk: int, year: int):
    site, refusal = _checked(request, pk, year)
    if refusal is not None:
        return refusal
    data = report.site_report(site, year)
    content = report_pdf(data)
    report.site_report_record_read(actor=request.user, site=site, year=year, output="pdf")
    response = HttpResponse(content, content_type="application/pdf")
    filename = f"rapport-accueil-{slugify(site.name) or site.pk}-{year}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)
