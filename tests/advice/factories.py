import factory

from bonnefoi.advice.models import Audience, Entry, LegalReference, LifeEvent, Procedure
from tests.structures.factories import StructureFactory


class LifeEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LifeEvent

    slug = factory.Sequence(lambda n: f"evenement-{n}")
    audience = Audience.PARTICULIER
    title = factory.Sequence(lambda n: f"Je vis l'événement {n}")
    summary = "Ce qu'il faut faire à ce moment-là."


class ProcedureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Procedure

    slug = factory.Sequence(lambda n: f"demarche-{n}")
    title = factory.Sequence(lambda n: f"Démarche {n}")
    online_service_url = "https://www.service-public.fr/"


class LegalReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LegalReference

    key = factory.Sequence(lambda n: f"code-art-{n}")
    code = "Code de la sécurité sociale"
    article = factory.Sequence(lambda n: f"L{n}")
    url = "https://www.legifrance.gouv.fr/codes/texte_lc/LEGITEXT000006073189"


class EntryFactory(factory.django.DjangoModelFactory):
    """A draft entry owned by a fresh network; pass ``owners=[...]`` to choose them."""

    class Meta:
        model = Entry
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"erreur-{n}")
    audience = Audience.PARTICULIER
    title = factory.Sequence(lambda n: f"J'oublie de déclarer la chose {n}")
    consequence = "Vous recevez trop, puis devez rembourser."
    advice = "Déclarez le changement dès qu'il arrive."
    fix = "Corrigez votre déclaration en ligne."
    links = factory.LazyFunction(lambda: [{"label": "Site officiel", "url": "https://www.caf.fr/"}])

    @factory.post_generation
    def owners(self, create, extracted, **kwargs):
        self.owners.set(extracted if extracted is not None else [StructureFactory()])

    @factory.post_generation
    def life_events(self, create, extracted, **kwargs):
        self.life_events.set(extracted if extracted is not None else [LifeEventFactory()])

    @factory.post_generation
    def legal_references(self, create, extracted, **kwargs):
        if extracted:
            self.legal_references.set(extracted)


def publish_entry(entry, *, note="Première publication.", kind="major", user=None, procedures=None):
    """Publish `entry` as a trusted import would (user None), optionally with procedures first;
    returns it reloaded (embedding tests: API, feeds, open data)."""
    from bonnefoi.advice.models import EntryStatus
    from bonnefoi.advice.services import entry_publish

    if procedures is not None:
        entry.procedures.set(procedures)
    entry.status = EntryStatus.IN_REVIEW
    entry.save()
    entry_publish(entry=entry, user=user, change_kind=kind, change_note=note)
    entry.refresh_from_db()
    return entry
