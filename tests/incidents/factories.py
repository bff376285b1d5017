"""Incident reports built through the services, so events, audit and rules are the real ones."""

import datetime as dt

import factory
from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.incidents import services
from bonnefoi.incidents.models import AuthorKind, Category, Channel, Gravity, IncidentReport
from tests.structures.factories import AgentFactory


class IncidentReportFactory(factory.django.DjangoModelFactory):
    """A report by a fresh agent of ``structure`` (a site by default), three days ago at 10:00.

    ``occurred_at`` may be given; ``reporter`` defaults to a new agent of the report's site.
    """

    class Meta:
        model = IncidentReport

    structure = factory.SubFactory("tests.structures.factories.StructureFactory", site=True)
    reporter = factory.LazyAttribute(
        lambda o: AgentFactory(structure=o.structure, role=Role.AGENT).user
    )
    occurred_at = factory.LazyFunction(
        lambda: (timezone.localtime() - dt.timedelta(days=3)).replace(
            hour=10, minute=0, second=0, microsecond=0
        )
    )
    channel = Channel.COUNTER
    gravity = Gravity.INCIVILITY
    category = Category.VERBAL
    narrative = factory.Sequence(lambda n: f"Récit confidentiel numéro {n} : insultes au guichet.")
    author_kind = AuthorKind.IDENTIFIED_USER

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.incident_report_create(**kwargs)
