"""The demo world loaded by `manage.py load_demo`: three networks, metropolitan France, Moselle and
Guyane, agents with every role and one agent under an anonymity exception.

Names, addresses and "DEMO-" codes are invented for demonstration; they are not the real
Services Publics+ referential (which a later import will bring).
"""

from bonnefoi.accounts.models import Role
from bonnefoi.structures.models import StructureKind as K

DEMO_PASSWORD = "bonne-foi-demo-2026"  # noqa: S105 - printed demo credential, dev only

# (key, kind, name, parent key, sp_code, street, postal code, city, commune INSEE)
STRUCTURES = [
    ("caf", K.NETWORK, "Réseau des caisses d'allocations familiales", None, "DEMO-CNAF", "", "", "", ""),
    ("caf30", K.ADMINISTRATION, "CAF du Gard", "caf", "DEMO-CAF30", "365 rue Alphonse Daudet", "30000", "Nîmes", "30189"),
    ("caf30-rel", K.SERVICE, "Service relation allocataires", "caf30", "DEMO-CAF30-REL", "365 rue Alphonse Daudet", "30000", "Nîmes", "30189"),
    ("caf30-nimes", K.SITE, "Accueil de Nîmes", "caf30-rel", "DEMO-CAF30-NIM", "365 rue Alphonse Daudet", "30000", "Nîmes", "30189"),
    ("caf30-ales", K.SITE, "Accueil d'Alès", "caf30-rel", "DEMO-CAF30-ALE", "8 place de l'Hôtel de ville", "30100", "Alès", "30007"),
    ("caf57", K.ADMINISTRATION, "CAF de la Moselle", "caf", "DEMO-CAF57", "4 boulevard du Pontiffroy", "57000", "Metz", "57463"),
    ("caf57-metz", K.SITE, "Accueil de Metz", "caf57", "DEMO-CAF57-MTZ", "4 boulevard du Pontiffroy", "57000", "Metz", "57463"),
    ("caf973", K.ADMINISTRATION, "CAF de la Guyane", "caf", "DEMO-CAF973", "8 rue Léopold Héder", "97300", "Cayenne", "97302"),
    ("caf973-cay", K.SITE, "Accueil de Cayenne", "caf973", "DEMO-CAF973-CAY", "8 rue Léopold Héder", "97300", "Cayenne", "97302"),
    ("dgfip", K.NETWORK, "Réseau de la direction générale des finances publiques", None, "DEMO-DGFIP", "", "", "", ""),
    ("ddfip57", K.ADMINISTRATION, "Direction départementale des finances publiques de la Moselle", "dgfip", "DEMO-DDFIP57", "1 rue François de Curel", "57000", "Metz", "57463"),
    ("sip-metz", K.SERVICE, "Service des impôts des particuliers de Metz", "ddfip57", "DEMO-SIP-MTZ", "1 rue François de Curel", "57000", "Metz", "57463"),
    ("sip-metz-acc", K.SITE, "Accueil du centre des finances publiques de Metz", "sip-metz", "DEMO-SIP-MTZ-ACC", "1 rue François de Curel", "57000", "Metz", "57463"),
    ("ddfip30", K.ADMINISTRATION, "Direction départementale des finances publiques du Gard", "dgfip", "DEMO-DDFIP30", "20 rue Florian", "30000", "Nîmes", "30189"),
    ("urssaf", K.NETWORK, "Réseau des Urssaf", None, "DEMO-URSSAF", "", "", "", ""),
    ("urssaf-idf", K.ADMINISTRATION, "Urssaf Île-de-France", "urssaf", "DEMO-URSSAF-IDF", "22 rue de Lagny", "93100", "Montreuil", "93048"),
    ("urssaf-idf-cot", K.SERVICE, "Service cotisants employeurs", "urssaf-idf", "DEMO-URSSAF-IDF-COT", "22 rue de Lagny", "93100", "Montreuil", "93048"),
    ("urssaf-idf-mtr", K.SITE, "Accueil de Montreuil", "urssaf-idf-cot", "DEMO-URSSAF-IDF-MTR", "22 rue de Lagny", "93100", "Montreuil", "93048"),
]

# (e-mail, first name, last name, position, structure key, role on that structure)
AGENTS = [
    ("national.caf@demo.bonnefoi.test", "Hélène", "Garnier", "Administratrice nationale", "caf", Role.NATIONAL_ADMINISTRATOR),
    ("admin.caf30@demo.bonnefoi.test", "Thomas", "Roux", "Responsable de l'accueil", "caf30", Role.ADMINISTRATOR),
    ("qualite.caf30@demo.bonnefoi.test", "Nadia", "Haddad", "Responsable qualité", "caf30", Role.QUALITY_MANAGER),
    ("redaction.caf30@demo.bonnefoi.test", "Julien", "Lefèvre", "Chargé de communication", "caf30", Role.EDITOR),
    ("agent.nimes@demo.bonnefoi.test", "Camille", "Fabre", "Conseillère service à l'usager", "caf30-nimes", Role.AGENT),
    ("agent.protege@demo.bonnefoi.test", "Antoine", "Mercier", "Conseiller service à l'usager", "caf30-nimes", Role.AGENT),
    ("agent.ales@demo.bonnefoi.test", "Léa", "Bonnet", "Conseillère service à l'usager", "caf30-ales", Role.AGENT),
    ("agent.metz@demo.bonnefoi.test", "Mathieu", "Schmitt", "Conseiller service à l'usager", "caf57-metz", Role.AGENT),
    ("agent.cayenne@demo.bonnefoi.test", "Josiane", "Laborde", "Conseillère service à l'usager", "caf973-cay", Role.AGENT),
    ("admin.ddfip57@demo.bonnefoi.test", "Claire", "Muller", "Responsable du service", "ddfip57", Role.ADMINISTRATOR),
    ("agent.sip-metz@demo.bonnefoi.test", "Paul", "Weber", "Agent d'accueil", "sip-metz-acc", Role.AGENT),
    ("agent.montreuil@demo.bonnefoi.test", "Inès", "Diallo", "Gestionnaire de comptes", "urssaf-idf-mtr", Role.AGENT),
]

SUPERUSER_EMAIL = "superadmin@demo.bonnefoi.test"

ANONYMOUS_AGENT_EMAIL = "agent.protege@demo.bonnefoi.test"
ANONYMITY_APPROVER_EMAIL = "admin.caf30@demo.bonnefoi.test"
ANONYMITY_JUSTIFICATION = (
    "Menaces de mort répétées par un usager à l'accueil de Nîmes, plainte déposée ; "
    "l'agent reçoit du public chaque jour."
)
