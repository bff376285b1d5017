"""Closed vocabularies of the JSON contract (English values; French labels live in data/facts.toml)."""

from enum import StrEnum


class Sector(StrEnum):
    GENERAL = "general"
    TAX = "tax"
    URSSAF = "urssaf"
    CAF = "caf"
    CNAV = "cnav"
    FRANCE_TRAVAIL = "france_travail"
    CUSTOMS = "customs"
    DGCCRF = "dgccrf"
    DEPARTEMENT = "departement"
    COMMUNE = "commune"
    CPAM = "cpam"


class ErrorKind(StrEnum):
    MATERIAL_ERROR = "material_error"
    MISREADING_RULE = "misreading_rule"
    MISSING_DECLARATION = "missing_declaration"
    LATE_DECLARATION = "late_declaration"
    LATE_PAYMENT = "late_payment"
    OMITTED_EMPLOYEE = "omitted_employee"
    DELIBERATE_CONCEALMENT = "deliberate_concealment"


class SanctionNature(StrEnum):
    ADMINISTRATIVE_PECUNIARY = "administrative_pecuniary"
    BENEFIT_WITHDRAWAL = "benefit_withdrawal"
    PENAL = "penal"
    CIVIL = "civil"
    CONTRACTUAL = "contractual"


class Regularisation(StrEnum):
    SPONTANEOUSLY = "spontaneously"
    AFTER_INVITATION = "after_invitation"
    AFTER_INVITATION_WITHIN_DEADLINE = "after_invitation_within_deadline"
    AFTER_INVITATION_AFTER_DEADLINE = "after_invitation_after_deadline"
    NOT_REGULARISED = "not_regularised"


class ExceptionCategory(StrEnum):
    NONE = "none"
    EU_LAW = "eu_law"
    PUBLIC_HEALTH_SAFETY_ENVIRONMENT = "public_health_safety_environment"
    CONTRACT = "contract"
    REGULATOR_PROFESSIONALS = "regulator_professionals"
    INTERNATIONAL_CONVENTION = "international_convention"


class PriorAdministrationAct(StrEnum):
    NONE = "none"
    MISE_EN_DEMEURE = "mise_en_demeure"
    DEMANDE_L10 = "demande_L10"
    DEMANDE_L16 = "demande_L16"
    DEMANDE_L23A = "demande_L23A"
    PROPOSITION_DE_RECTIFICATION = "proposition_de_rectification"
    AVIS_DE_VERIFICATION = "avis_de_verification"
    VERIFICATION_DE_COMPTABILITE = "verification_de_comptabilite"
    EXAMEN_DE_COMPTABILITE = "examen_de_comptabilite"
    ESFP = "esfp"


class Payment(StrEnum):
    PAID_WITH_RECTIFYING_DECLARATION = "paid_with_rectifying_declaration"
    PAID_WITH_COMPLEMENTARY_DECLARATION = "paid_with_complementary_declaration"
    PAID_BY_DUE_DATE_ON_NOTICE = "paid_by_due_date_on_notice"
    PAYMENT_PLAN_ACCEPTED = "payment_plan_accepted"
    NOT_PAID_NO_PLAN = "not_paid_no_plan"


class DutyKind(StrEnum):
    NATIONAL_TAX = "national_tax"
    EU_OWN_RESOURCES = "eu_own_resources"


class SanctionOutcome(StrEnum):
    WAIVED = "waived"
    REDUCED = "reduced"
    APPLIES = "applies"
    MAY_APPLY = "may_apply"
    NOT_REDUCED = "not_reduced"
