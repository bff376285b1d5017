"""Factories for accounts; roles are granted through ``structures.services.membership_grant``."""

import factory

from bonnefoi.accounts.models import Membership, Role, User

PASSWORD = "mot-de-passe-de-test-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"utilisateur{n}@exemple.test")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    class Params:
        superuser = factory.Trait(is_superuser=True, is_staff=True)
        inactive = factory.Trait(is_active=False)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    """A role granted by the system (``actor=None``); ``is_active=False`` builds a withdrawn role."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    structure = factory.SubFactory(
        "tests.structures.factories.StructureFactory", administration=True
    )
    role = Role.AGENT
    is_active = True

    @classmethod
    def _create(cls, model_class, *args, is_active=True, **kwargs):
        from bonnefoi.structures import services

        membership = services.membership_grant(actor=None, **kwargs)
        if not is_active:
            # No service withdraws a role yet: the flag is switched off directly.
            model_class.objects.filter(pk=membership.pk).update(is_active=False)
            membership.is_active = False
        return membership
