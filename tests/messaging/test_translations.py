"""The German and Swedish catalogues are complete: no empty, no fuzzy entry, placeholders kept."""

import re
from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


@pytest.fixture(params=["de", "sv"])
def catalogue(request):
    return polib.pofile(str(LOCALE / request.param / "LC_MESSAGES" / "django.po"))


def test_catalogue_has_no_empty_translation(catalogue):
    empty = [entry.msgid for entry in catalogue if not entry.obsolete and not entry.translated()]
    assert empty == []


def test_catalogue_has_no_fuzzy_translation(catalogue):
    assert [entry.msgid for entry in catalogue.fuzzy_entries()] == []


def test_translations_keep_every_placeholder(catalogue):
    broken = []
    for entry in catalogue:
        if entry.obsolete:
            continue
        expected = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            # Plural forms may drop the count ("one star"), never another placeholder.
            found = sorted(PLACEHOLDER.findall(text))
            if set(found) - set(expected) or set(expected) - set(found) - {"%(count)d", "%(counter)s"}:
                broken.append(entry.msgid)
    assert broken == []


def test_every_email_string_is_in_the_catalogue(catalogue):
    templates = Path(__file__).resolve().parents[2] / "templates" / "emails"
    msgids = {entry.msgid for entry in catalogue}
    used = set()
    for path in templates.rglob("*"):
        if path.is_file():
            used |= set(re.findall(r'{% translate "([^"]+)"', path.read_text()))
    assert used - msgids == set()


INFORMAL_GERMAN = re.compile(r"\b(du|dich|dir|dein|deine|deinen|deinem|deiner|euch|euer)\b", re.IGNORECASE)


def test_german_addresses_the_buyer_as_sie():
    # Buyers read the e-mails, the portal, the return label and the policy page in German with
    # "Sie"; desk strings are neutral. One informal word makes the shop sound like two shops.
    catalogue = polib.pofile(str(LOCALE / "de" / "LC_MESSAGES" / "django.po"))
    informal = []
    for entry in catalogue:
        if entry.obsolete:
            continue
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        informal += [text for text in translations if INFORMAL_GERMAN.search(text)]
    assert informal == []


def test_project_has_one_catalogue_per_language():
    # An app-level locale/ folder wins over nothing and loses to LOCALE_PATHS: makemessages
    # would split the strings between them and translations would drift apart.
    root = LOCALE.parent
    skipped = {".venv", "node_modules", ".git"}
    app_catalogues = [
        path.relative_to(root)
        for path in root.rglob("*.po")
        if not skipped & set(path.relative_to(root).parts) and path.relative_to(root).parts[0] != "locale"
    ]
    assert app_catalogues == []


def test_committed_compiled_catalogue_matches_the_po_file(catalogue):
    # `make run` on a machine without GNU gettext uses the committed .mo files: they must be current.
    compiled = polib.mofile(catalogue.fpath.replace(".po", ".mo"))
    in_mo = {(entry.msgctxt, entry.msgid): entry.msgstr or entry.msgstr_plural for entry in compiled}
    stale = [
        entry.msgid
        for entry in catalogue.translated_entries()
        if in_mo.get((entry.msgctxt, entry.msgid)) != (entry.msgstr or entry.msgstr_plural)
    ]
    assert stale == [], "run `make messages` (or manage.py compilemessages) and commit the .mo files"
