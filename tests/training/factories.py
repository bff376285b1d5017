"""Factories of the training app; completions go through the service so checks run."""

import datetime as dt

import factory
from django.utils import timezone

from bonnefoi.training import services
from bonnefoi.training.models import Completion, Topic, TrainingModule


class ModuleFactory(factory.django.DjangoModelFactory):
    """A module of the platform catalogue (no owner), mandatory, renewed every 24 months."""

    class Meta:
        model = TrainingModule

    code = factory.Sequence(lambda n: f"module-test-{n}")
    title = factory.Sequence(lambda n: f"Module de test {n}")
    topic = Topic.OTHER
    mandatory = True
    refresher_months = 24


class CompletionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Completion

    agent = factory.SubFactory("tests.structures.factories.AgentFactory")
    module = factory.SubFactory(ModuleFactory)
    completed_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    provider = "Institut de formation de test"
    evidence_reference = factory.Sequence(lambda n: f"ATT-{n:05d}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.completion_record(actor=None, **kwargs)
