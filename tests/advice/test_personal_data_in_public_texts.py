"""No personal data in what the public reads: the editor, the publication note and the content
import refuse e-mail addresses, ten-digit phone numbers, social security numbers and IBANs,
with a French message naming what to remove; public service numbers stay allowed."""

import pytest

from bonnefoi.advice.content import ContentError, import_content
from bonnefoi.advice.models import Entry
from bonnefoi.core.personal_data import find_personal_data
from tests.advice.test_backoffice import NEW, World, text
from tests.advice.test_content import content  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("sample", "found"),
    [
        ("Appelez le 3230 (service gratuit, prix d'un appel).", []),
        ("Le 1er janvier 2026, 1 500 € ; article L123-1 du code.", []),
        ("SIRET 732 829 320 00074 de l'entreprise.", []),
        ("Écrivez à camille.durand@exemple.fr.", ["une adresse électronique"]),
        ("Rappelez le 06 12 34 56 78.", ["un numéro de téléphone à dix chiffres"]),
        ("Rappelez le +33 6 12 34 56 78.", ["un numéro de téléphone à dix chiffres"]),
        ("Mon numéro : 2 95 10 99 126 111 93.", ["un numéro de sécurité sociale"]),
        ("Virement sur FR76 3000 6000 0112 3456 7890 189.", ["un IBAN"]),
    ],
)
def test_detection_table(sample, found):
    """What counts as personal data in a public text, and what does not."""
    assert find_personal_data(sample) == found


def test_the_editor_refuses_a_phone_number_and_keeps_the_text(client):
    """An entry whose advice gives a personal phone number is not saved; the page says what
    to remove, next to the field, and keeps everything typed."""
    world = World()
    client.force_login(world.editor)
    typed = "Appelez Mme Martin au 06 12 34 56 78 pour régler cela."
    response = client.post(NEW, world.form_data(advice=typed))
    assert response.status_code == 400
    page = text(response)
    assert "Ce texte est public : retirez un numéro de téléphone à dix chiffres" in page
    assert typed in page
    assert not Entry.objects.exists()


def test_content_import_refuses_personal_data(content):  # noqa: F811
    """A YAML entry quoting an e-mail address is reported, by file, entry and field."""
    path = content / "entries-particulier-caf.yaml"
    path.write_text(
        path.read_text().replace(
            "Signalez la nouvelle adresse", "Écrivez à jean.dupont@exemple.fr pour signaler"
        )
    )
    with pytest.raises(ContentError) as error:
        import_content(content)
    assert "oubli-demenagement-caf, champ advice : données personnelles" in str(error.value)
