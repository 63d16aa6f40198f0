"""Registry completeness: every registered rule has its folder, spec, fixtures,
witness and an up-to-date docs page; RULES.md's codes are all accounted for."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from torchlint import docs
from torchlint.checks import BY_CODE, RULES
from torchlint.witness import has_witness

REPO = Path(__file__).resolve().parent.parent
CATALOGUE = REPO.parent / "shared" / "RULES.md"

# Codes of RULES.md not implemented yet. Shrinks to empty as issues land; a code
# may be here or registered, never both and never neither.
PENDING = set()


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_is_complete(rule):
    folder = REPO / "rules" / rule.code
    assert (folder / "spec.md").is_file()
    spec = (folder / "spec.md").read_text()
    for heading in docs.SPEC_HEADINGS:
        assert f"## {heading}" in spec, f"spec.md lacks '## {heading}'"
    assert list(folder.glob("flagged_*")), "no flagged fixture"
    assert list(folder.glob("clean_*")), "no clean fixture"
    assert has_witness(rule.code)
    assert re.fullmatch(r"TL\d{3}", rule.code) and re.fullmatch(r"[a-z0-9-]+", rule.name)
    assert rule.__doc__ and rule.message and not rule.message[0].isupper()
    assert not rule.hint.endswith(".")


def test_docs_pages_are_generated_from_specs():
    assert docs.stale_pages() == {}, "run `torchlint docs` and commit docs/rules/"


def test_codes_and_names_are_unique():
    assert len({r.code for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)


@pytest.mark.skipif(not CATALOGUE.exists(), reason="shared/RULES.md is not beside the checkout")
def test_every_catalogue_code_is_registered_or_pending():
    codes = set(re.findall(r"^\| (TL\d{3}) \|", CATALOGUE.read_text(), re.M))
    assert codes, "no codes parsed from RULES.md"
    assert not (set(BY_CODE) & PENDING), "registered codes must leave PENDING"
    assert codes == set(BY_CODE) | PENDING
