"""arxref.taxonomy: which categories exist, their spelling, and the archive a misspelling means."""

from __future__ import annotations

import pytest

from arxref import taxonomy


@pytest.mark.parametrize("written, spelled", [
    ("q-bio.CB", "q-bio.CB"), ("q-bio.cb", "q-bio.CB"), ("PHYSICS.INS-DET", "physics.ins-det"),
    ("cond-mat.mes-hall", "cond-mat.mes-hall"), ("hep-th", "hep-th"), ("astro-ph", "astro-ph"),
    ("eess.SP", "eess.SP"), ("econ.EM", "econ.EM"), ("alg-geom", "alg-geom"),
    ("math", None), ("cs", None), ("math.ACS", None), ("hep-th.GT", None), ("foo.BAR", None), ("quantph", None),
])
def test_category(written: str, spelled: str | None) -> None:
    assert taxonomy.category(written) == spelled


@pytest.mark.parametrize("name, near", [
    ("quantph", "quant-ph"), ("hepth", "hep-th"), ("HEP_TH", "hep-th"), ("cond-matt", "cond-mat"), ("maths", "math"),
    ("astroph", "astro-ph"), ("foo-bar", None), ("files", None), ("uploads", None), ("eess", None),
])
def test_closest_archive(name: str, near: str | None) -> None:
    assert taxonomy.closest_archive(name) == near


def test_every_archive_with_classes_is_an_archive() -> None:
    assert set(taxonomy.SUBJECT_CLASSES) <= taxonomy.ARCHIVES
    assert taxonomy.OLD_ARCHIVES < taxonomy.ARCHIVES and {"econ", "eess"} == taxonomy.ARCHIVES - taxonomy.OLD_ARCHIVES
