"""arXiv's archives and subject classes: which exist, their spelling, and the nearest to a misspelling.

The identifier grammar (:mod:`arxref.ids`) asks here whether ``math.GT`` or ``q-bio.CB``
is a real category, so an id written with an invented one (``math.ACS/0312059``) is
questioned instead of waved through. Source: arXiv's category taxonomy
(https://arxiv.org/category_taxonomy), current and retired archives.
"""

from __future__ import annotations

import difflib
from functools import lru_cache

#: Archives that ever had old-style identifiers (current and retired).
OLD_ARCHIVES = frozenset(
    """
    acc-phys adap-org alg-geom ao-sci astro-ph atom-ph bayes-an chao-dyn chem-ph cmp-lg
    comp-gas cond-mat cs dg-ga funct-an gr-qc hep-ex hep-lat hep-ph hep-th math math-ph
    mtrl-th nlin nucl-ex nucl-th patt-sol physics plasm-ph q-alg q-bio q-fin quant-ph
    solv-int stat supr-con
    """.split()
)

#: Archives a category may start with: the old-style ones and those opened after 2007.
ARCHIVES = OLD_ARCHIVES | {"econ", "eess"}

#: Subject classes of each archive that has them, as arXiv spells them.
SUBJECT_CLASSES: dict[str, tuple[str, ...]] = {
    "astro-ph": tuple("CO EP GA HE IM SR".split()),
    "cond-mat": tuple("dis-nn mes-hall mtrl-sci other quant-gas soft stat-mech str-el supr-con".split()),
    "cs": tuple("AI AR CC CE CG CL CR CV CY DB DC DL DM DS ET FL GL GR GT HC IR IT LG LO MA MM MS NA NE NI "
                "OH OS PF PL RO SC SD SE SI SY".split()),
    "econ": tuple("EM GN TH".split()),
    "eess": tuple("AS IV SP SY".split()),
    "math": tuple("AC AG AP AT CA CO CT CV DG DS FA GM GN GR GT HO IT KT LO MG MP NA NT OA OC PR QA RA RT SG "
                  "SP ST".split()),
    "nlin": tuple("AO CD CG PS SI".split()),
    "physics": tuple("acc-ph ao-ph app-ph atm-clus atom-ph bio-ph chem-ph class-ph comp-ph data-an ed-ph "
                     "flu-dyn gen-ph geo-ph hist-ph ins-det med-ph optics plasm-ph pop-ph soc-ph "
                     "space-ph".split()),
    "q-bio": tuple("BM CB GN MN NC OT PE QM SC TO".split()),
    "q-fin": tuple("CP EC GN MF PM PR RM ST TR".split()),
    "stat": tuple("AP CO ME ML OT TH".split()),
}

#: Archives that are categories on their own: those without subject classes, and the two whose
#: papers carried the bare archive as their category before classes were introduced.
_ARCHIVE_CATEGORIES = (ARCHIVES - SUBJECT_CLASSES.keys()) | {"astro-ph", "cond-mat"}

#: ``archive.class`` (lower case) -> the class as arXiv spells it.
_CLASSES = {f"{archive}.{name.lower()}": name for archive, names in SUBJECT_CLASSES.items() for name in names}


def subject_class(archive: str, name: str) -> str | None:
    """The class ``name`` of ``archive`` as arXiv spells it (``gt`` -> ``GT``), or None when it has none such."""
    return _CLASSES.get(f"{archive.lower()}.{name.lower()}")


def category(written: str) -> str | None:
    """``written`` (``q-bio.cb``, ``hep-th``) as arXiv spells the category, or None when none such exists.

    An archive alone is one when it has no subject classes (``hep-th``), or had none when
    its papers were filed (``astro-ph``); ``math`` or ``cs`` alone name no category.
    """
    archive, dot, name = written.partition(".")
    archive = archive.lower()
    if not dot:
        return archive if archive in _ARCHIVE_CATEGORIES else None
    spelled = subject_class(archive, name)
    return f"{archive}.{spelled}" if spelled else None


_OLD_SORTED = sorted(OLD_ARCHIVES)


@lru_cache(maxsize=4096)  # a dump repeats the same path words (files/0703001): difflib once per word
def closest_archive(name: str, cutoff: float = 0.75) -> str | None:
    """The old-style archive ``name`` most likely misspells (``quantph`` -> ``quant-ph``), or None.

    The same letters without hyphens win outright; otherwise the nearest by
    :func:`difflib.get_close_matches` at ``cutoff``.
    """
    lowered = name.lower()
    bare = lowered.replace("-", "")
    for archive in _OLD_SORTED:
        if archive.replace("-", "") == bare:
            return archive
    close = difflib.get_close_matches(lowered, _OLD_SORTED, n=1, cutoff=cutoff)
    return close[0] if close else None
