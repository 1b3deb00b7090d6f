"""Every string the code and templates mark for translation has a German and a Swedish translation.

`tests/messaging/test_translations.py` reads the committed catalogues; this test first
extracts the strings again (as `make messages` does, into a copy of the project, so
nothing in `locale/` changes), so a new string nobody has translated yet fails here
too, and so does one that `msgmerge` guessed from a similar old string (fuzzy).
"""

import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]
# What `make messages` leaves out, and what is not source.
NOT_SOURCE = {".venv", ".git", ".data", "node_modules", "tests", "benchmarks", "__pycache__"}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext (xgettext, msgmerge) is needed to extract the strings")
    copy = tmp_path_factory.mktemp("project") / "postsale"
    shutil.copytree(ROOT, copy, ignore=lambda _dir, names: [n for n in names if n in NOT_SOURCE])
    return copy


@pytest.fixture(params=["de", "sv"])
def catalogue(request, extracted, settings, monkeypatch):
    settings.LOCALE_PATHS = [str(extracted / "locale")]
    monkeypatch.chdir(extracted)
    call_command("makemessages", locale=[request.param], ignore_patterns=list(NOT_SOURCE), verbosity=0)
    return polib.pofile(str(extracted / "locale" / request.param / "LC_MESSAGES" / "django.po"))


def test_no_string_of_the_code_is_left_untranslated(catalogue):
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries() if not entry.obsolete]

    assert untranslated == [], f"{len(untranslated)} strings to translate (see docs/glossary.md)"


def test_no_translation_is_fuzzy(catalogue):
    assert [entry.msgid for entry in catalogue.fuzzy_entries() if not entry.obsolete] == []
