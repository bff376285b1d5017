"""Legal references of the compartment, read from ``data/references.toml`` (law as data)."""

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "references.toml"


@dataclass(frozen=True)
class LegalReference:
    key: str
    code: str
    article: str
    url: str
    summary: str
    paragraph: str = ""
    version_date: dt.date | None = None
    unverified: bool = False
    note: str = ""

    @property
    def citation(self) -> str:
        text = f"{self.code}, {self.article}"
        if self.article[:1].isdigit():
            text = f"{self.code}, article {self.article}"
        return f"{text} ({self.paragraph})" if self.paragraph else text


@cache
def legal_references() -> dict[str, LegalReference]:
    with DATA_FILE.open("rb") as handle:
        raw = tomllib.load(handle)
    return {key: LegalReference(key=key, **fields) for key, fields in raw.items()}


def references_for(keys) -> list[LegalReference]:
    """The references named by ``keys``, in that order (an unknown key is a programming error)."""
    references = legal_references()
    return [references[key] for key in keys]
