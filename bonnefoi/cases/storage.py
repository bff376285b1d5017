"""Where case documents and decision letters are kept: a directory outside the web root
(CASE_FILES_ROOT), under random names; nothing there has a public URL. Files are read back only
through views that check the tracking secret or the agent's rights."""

import os
import secrets

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class CaseFilesStorage(FileSystemStorage):
    """A file system storage whose root follows settings.CASE_FILES_ROOT at each use (tests
    point it to a temporary directory)."""

    @property
    def base_location(self):
        return str(settings.CASE_FILES_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)


def case_files_storage() -> FileSystemStorage:
    return CaseFilesStorage()


def random_name(extension: str) -> str:
    """ "ab/Zx…" : a two-character directory (spreads files) and 32 random URL-safe characters."""
    return f"{secrets.token_hex(1)}/{secrets.token_urlsafe(24)}.{extension}"


def attachment_upload_to(instance, filename: str) -> str:
    return random_name(filename.rsplit(".", 1)[-1] if "." in filename else "bin")


def letter_upload_to(instance, filename: str) -> str:
    return random_name("pdf")
