"""Factories that go through the services, so paths and pseudonyms are real."""

import datetime as dt

import factory
from django.utils import timezone

from bonnefoi.accounts.models import Role
from bonnefoi.structures import services
from bonnefoi.structures.models import AnonymityException, AnonymityGround, Structure, StructureKind
from tests.accounts.factories import PASSWORD, UserFactory


class StructureFactory(factory.django.DjangoModelFactory):
    """A network by default; traits build the chain of parents a kind needs."""

    class Meta:
        model = Structure

    kind = StructureKind.NETWORK
    name = factory.Sequence(lambda n: f"Structure {n}")
    parent = None
    sp_code = factory.Sequence(lambda n: f"TEST-{n:05d}")
    street_address = "1 place de la République"
    postal_code = "30000"
    city = "Nîmes"
    commune_insee = "30189"

    class Params:
        administration = factory.Trait(
            kind=StructureKind.ADMINISTRATION,
            parent=factory.SubFactory("tests.structures.factories.StructureFactory"),
        )
        service = factory.Trait(
            kind=StructureKind.SERVICE,
            parent=factory.SubFactory(
                "tests.structures.factories.StructureFactory", administration=True
            ),
        )
        site = factory.Trait(
            kind=StructureKind.SITE,
            parent=factory.SubFactory(
                "tests.structures.factories.StructureFactory", administration=True
            ),
        )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.structure_create(actor=None, **kwargs)


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "structures.Agent"
        skip_postgeneration_save = True

    structure = factory.SubFactory(StructureFactory, site=True)
    email = factory.Sequence(lambda n: f"agent{n}@exemple.test")
    first_name = factory.Sequence(lambda n: f"Prénomtest{n}")
    last_name = factory.Sequence(lambda n: f"Nomdefamille{n}")
    position = "Conseiller"
    role = Role.AGENT

    class Params:
        anonymous = factory.Trait(
            exception=factory.RelatedFactory(
                "tests.structures.factories.AnonymityExceptionFactory", factory_related_name="agent"
            )
        )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.agent_create(actor=None, password=PASSWORD, **kwargs)


def _days_from_today(days: int):
    return factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=days))


class AnonymityExceptionFactory(factory.django.DjangoModelFactory):
    """An approved exception in force today (written directly: approval rules are tested apart).

    Traits: ``future`` (not yet started), ``expired`` (ended yesterday), ``revoked`` (lifted).
    """

    class Meta:
        model = AnonymityException

    agent = factory.SubFactory(AgentFactory)
    ground = AnonymityGround.PERSONAL_SAFETY
    justification = "Menaces répétées d'un usager au guichet, plainte déposée le mois dernier."
    valid_from = _days_from_today(-10)
    valid_until = _days_from_today(100)
    requested_by = factory.SubFactory(UserFactory)
    approved_by = factory.SubFactory(UserFactory)

    class Params:
        future = factory.Trait(valid_from=_days_from_today(1), valid_until=_days_from_today(60))
        expired = factory.Trait(valid_from=_days_from_today(-60), valid_until=_days_from_today(-1))
        revoked = factory.Trait(
            revoked_at=factory.LazyFunction(timezone.now),
            revoked_by=factory.SubFactory(UserFactory),
            revocation_reason="Menaces levées : l'usager a quitté le département.",
        )
