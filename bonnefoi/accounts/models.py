"""Users (e-mail login) and roles scoped to a structure subtree."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from bonnefoi.core.models import TimeStampedModel


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("L'adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, email: str):
        # Addresses are stored in lower case: every login form (the back office's and the
        # technical /gestion/ one) then matches the e-mail whatever case was typed.
        return self.get(**{self.model.USERNAME_FIELD: self.normalize_email(email).lower()})

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: agents, editors, managers and administrators.

    Public users never need an account. Names live on the Agent profile, which carries the
    identification rule; the user row holds only what authentication needs.
    """

    email = models.EmailField("adresse e-mail", unique=True)
    is_active = models.BooleanField("actif", default=True)
    is_staff = models.BooleanField(
        "accès à l'interface de gestion",
        default=False,
        help_text="Statut technique sans effet seul : /gestion/ est réservée aux super-administrateurs.",
    )
    date_joined = models.DateTimeField("date d'inscription", default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()


class Role(models.TextChoices):
    """Roles, each granted on one structure and valid on its whole subtree."""

    AGENT = "agent", "Agent"
    EDITOR = "editor", "Rédacteur"
    QUALITY_MANAGER = "quality_manager", "Responsable qualité"
    ADMINISTRATOR = "administrator", "Administrateur"
    NATIONAL_ADMINISTRATOR = "national_administrator", "Administrateur national"
    INCIDENT_OFFICER = "incident_officer", "Référent incivilités"


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True, user__is_active=True)


class Membership(TimeStampedModel):
    """User U holds role R on structure S and, through it, on every structure below S."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="utilisateur",
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    structure = models.ForeignKey(
        "structures.Structure",
        verbose_name="structure",
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField("rôle", max_length=32, choices=Role.choices)
    is_active = models.BooleanField("actif", default=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="accordé par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "rôle sur une structure"
        verbose_name_plural = "rôles sur des structures"
        ordering = ["structure__path", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "structure", "role"], name="accounts_membership_unique_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.structure}"
