"""Korean is the default: every message the code and templates use has a Korean translation."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def test_every_message_has_a_korean_translation():
    with open(ROOT / "tracker/translations/ko/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh, locale="ko")
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "N_": None}
    method_map = [("tracker/**.py", "python"), ("templates/**.html", "jinja2")]
    used = {
        msg[2] if isinstance(msg[2], str) else msg[2][0]
        for msg in extract_from_dir(str(ROOT), method_map=method_map, keywords=keywords)
    }
    assert used, "the extractor found no messages"
    untranslated = sorted(m for m in used if not (catalog.get(m) and catalog.get(m).string))
    assert untranslated == [], "run `make extract-messages` and translate these"
