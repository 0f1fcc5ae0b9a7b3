"""Deduplication: every mention of one paper becomes one bibliography entry with a stable key.

Records reach this stage already resolved to a Paper, so identity is the paper's
canonical arXiv id: ``2107.03374``, ``2107.03374v2``, its abs/pdf URL, its DOI, an
abstract the resolver matched and a .bib entry with ``eprint = {2107.03374}`` are
all one entry. Papers that come from no input file (arxiv.py search results handed
to ``export`` or to a writer) join that entry too, or make one of their own.

Keys: an existing .bib entry's key is kept (documents already ``\\cite`` it) unless
``rekey=True``; a paper a document cites by its id (``\\cite{2108.02818}``, ``[@arxiv:2108.02818]``)
is keyed by the key as written, the first in input order; every other paper gets a generated
key (:mod:`arxref.keys`). Its other cited keys (``arXiv:2108.02818`` beside ``2108.02818``), and
every cited key beside a kept .bib key, must resolve too: ``cite_aliases="ids"`` writes them in
the entry's biblatex ``ids`` field (one entry; biber resolves them), ``cite_aliases="entries"``
writes one entry per key (bibtex, pandoc and CSL-JSON have no aliases). A cited key that a
kept .bib entry or ``existing_keys`` already defines is the user's and is never written. When
two .bib entries name the same paper, the first one in (file, line, key) order keeps
its key and the others become aliases, written as biblatex's ``ids`` field (so
``\\cite{other}`` still works with biber) and reported in ``Entry.changes``. With
``rekey=True`` the old keys become aliases the same way. Keys in the output are
unique, and generated keys never take a kept or ``existing_keys`` key.

Published versions: a .bib entry that cites the published work (a venue, a DOI that is
not arXiv's, a publication's type: :func:`arxref.preprint.published_version`) keeps its
type and every field as written; only arXiv's eprint is added (``Entry.bib_type``), never
arXiv's DOI.

Corrections: a preprint .bib entry's title, authors, year and eprint are replaced by arXiv's;
each difference is one human-readable line in ``Entry.changes``. Its fields that
arXiv does not provide (``note``, ``keywords``, a journal ``doi``...) are kept in
``Entry.bib_fields``; fields that only restate the arXiv record (``journal = {arXiv
preprint ...}``, CoRR's ``volume = {abs/...}``) and ``abstract`` are dropped.
"""

from __future__ import annotations

import itertools
import operator
import re
from typing import Collection, Iterable

from . import ids, keys, preprint
from .errors import InvalidIdError
from .tex import clean_text, latex_to_text
from .model import Entry, Paper, Record
from .textnorm import plain, same_title

#: .bib fields the arXiv record supplies; the writer produces them, so the user's are dropped.
ARXIV_FIELDS = frozenset(
    """title author year month date eprint archiveprefix primaryclass eprinttype eprintclass
    url abstract arxivid arxiv""".split()
)
#: A published entry's fields that the writer makes from arXiv's id (in the output's flavor).
EPRINT_FIELDS = frozenset("eprint archiveprefix primaryclass eprinttype eprintclass".split())


def canonical_id(paper: Paper) -> str:
    """The grouping id of a paper (canonical, versionless; the raw id if it does not parse)."""
    return _canonical(paper.arxiv_id)


#: Ids already made canonical. A plain dict, cleared when full: a bibliography of 100,000
#: papers overflowed an LRU cache, which then paid its bookkeeping on every miss.
_CANONICAL: dict[str, str] = {}
_CANONICAL_MAX = 1 << 17


def _canonical(arxiv_id: str) -> str:
    """Parsing an id costs microseconds, and a run meets each paper's id several times."""
    return _CANONICAL.get(arxiv_id) or _parsed_canonical(arxiv_id)


def _parsed_canonical(arxiv_id: str) -> str:
    """:func:`_canonical` of an id not in :data:`_CANONICAL`, kept there unless it is a canonical
    new-style id (``2107.03374``, most of them): :func:`ids.parse` reads those from its own
    cache faster than this one would store them."""
    try:
        canonical = ids.parse(arxiv_id).base
    except InvalidIdError:
        canonical = arxiv_id
    else:
        if canonical == arxiv_id and "/" not in canonical:
            return canonical
    if len(_CANONICAL) >= _CANONICAL_MAX:
        _CANONICAL.clear()
    _CANONICAL[arxiv_id] = canonical
    return canonical


def build_entries(
    items: Iterable[tuple[Record, Paper]],
    *,
    papers: Iterable[Paper] = (),
    rekey: bool = False,
    existing_keys: Collection[str] = (),
    year_mode: str = "first",
    cite_aliases: str = "ids",
) -> list[Entry]:
    """One Entry per paper across all inputs (per cited key with ``cite_aliases="entries"``), sorted by key.

    ``items`` are (record, paper) pairs from input files; ``papers`` come from no file
    (arxiv.py results, a caller's own Papers) and join the entry of the same paper, or
    make one with a generated key and no sources. ``existing_keys`` are keys defined
    elsewhere (another .bib the user keeps) that a generated key must not take.
    ``year_mode`` (``first``/``latest``) is the year used in generated keys and in year
    corrections; it should match the writers' option. ``cite_aliases`` (``ids``/``entries``):
    how a paper's further cited keys are written (see the module docstring).
    """
    if cite_aliases not in CITE_ALIASES:
        raise ValueError(f"cite_aliases must be one of {', '.join(CITE_ALIASES)}, not {cite_aliases!r}")
    alone: dict[str, tuple[Record, Paper]] = {}  # papers met once, as the pair given (the common case)
    groups: dict[str, tuple[list[Record], list[Paper]]] = {}
    bib_alone: list[str] = []  # papers met first in a .bib file: a group unless met again (below)
    cited: set[str] = set()  # papers some document cites by id: only these can be keyed as cited
    known = _CANONICAL
    for item in items:
        record, paper = item
        arxiv_id = known.get(paper.arxiv_id) or _parsed_canonical(paper.arxiv_id)
        citation = record.role == "citation"
        if citation:
            cited.add(arxiv_id)
        group = groups.get(arxiv_id)
        if group is not None:
            group[0].append(record)
            group[1].append(paper)
        elif citation or arxiv_id in alone:  # cited, or met again: a group (mentions in order)
            first = alone.pop(arxiv_id, None)
            groups[arxiv_id] = ([record], [paper]) if first is None else ([first[0], record], [first[1], paper])
        else:
            alone[arxiv_id] = item
            if record.kind == "bib":
                bib_alone.append(arxiv_id)
    for paper in papers:
        arxiv_id = canonical_id(paper)
        first = alone.pop(arxiv_id, None)
        if first is not None:
            groups[arxiv_id] = ([first[0]], [first[1]])
        groups.setdefault(arxiv_id, ([], []))[1].append(paper)
    for arxiv_id in bib_alone:  # its key, fields and corrections: the general path (after the others,
        first = alone.pop(arxiv_id, None)  # so that the groups' order, which orders equal cited keys, stays)
        if first is not None:
            groups[arxiv_id] = ([first[0]], [first[1]])
    return _entries(alone, groups, rekey=rekey, existing_keys=existing_keys, year_mode=year_mode,
                    cite_aliases=cite_aliases, cited=cited)


def _entries(
    alone: dict[str, tuple[Record, Paper]],
    groups: dict[str, tuple[list[Record], list[Paper]]],
    *,
    rekey: bool,
    existing_keys: Collection[str],
    year_mode: str,
    cite_aliases: str = "ids",
    cited: Collection[str] = (),
) -> list[Entry]:
    """Entries from the papers met once from a plain mention (``{arxiv_id: (record, paper)}``,
    never a .bib record nor a citation) and the others (``{arxiv_id: (records, papers)}``):
    keys first, then each frozen Entry at once.

    One pass per step over the papers, and none over mentions: a paper most often has
    one record and no .bib entry, and costs no list, sort or merge of its own (the
    papers met once are kept as the pairs given, and only take a generated key). Keys are
    unique, so sorting the entries by key alone fixes their order, whatever order the
    papers were met in.
    """
    best = {arxiv_id: same[0] if len(same) == 1 else _best_paper(same) for arxiv_id, (_, same) in groups.items()}
    bib_records: dict[str, list[Record]] = {}
    for arxiv_id, (records, _) in groups.items():
        found = _bib_records(records)
        if found:
            bib_records[arxiv_id] = found
    kept, key_changes = _kept_keys(bib_records, rekey)
    taken = set(existing_keys) | set(kept.values())
    cited_keys_of = _cited_keys({arxiv_id: groups[arxiv_id][0] for arxiv_id in cited}, taken)
    for arxiv_id, cited_keys in cited_keys_of.items():
        if arxiv_id not in kept:
            kept[arxiv_id] = cited_keys.pop(0)
        taken.update(cited_keys)
    taken.update(kept.values())
    bases = _generated_bases(itertools.chain(zip(alone, map(_second, alone.values())),
                                             ((arxiv_id, paper) for arxiv_id, paper in best.items() if arxiv_id not in kept)),
                             year_mode)
    generated = keys.assign_keys(bases, taken)
    # in the order of their keys, nearly: the sort below has little to do
    entries = [Entry(key, item[1], (item[0],)) for arxiv_id, key in generated.items()
               if (item := alone.get(arxiv_id)) is not None]
    for arxiv_id, (records, _) in groups.items():
        key = kept.get(arxiv_id) or generated[arxiv_id]
        paper = best[arxiv_id]
        bib = bib_records.get(arxiv_id)
        aliases = cited_keys_of.get(arxiv_id)
        if aliases and cite_aliases == "entries":
            entries.extend(Entry(alias, paper, tuple(r for r in records if r.key == alias and r.role == "citation"))
                           for alias in aliases)
            aliases = None
        if bib is None and arxiv_id not in key_changes and not aliases:
            entries.append(Entry(key, paper, tuple(records)))
            continue
        bib_fields, changes, bib_type = _merge_bib_records(bib or [], key, paper, year_mode, rekey)
        if aliases:
            bib_fields["ids"] = ", ".join(dict.fromkeys([*_split_ids(bib_fields.get("ids", "")), *aliases]))
        entries.append(Entry(key, paper, tuple(records), bib_fields, tuple(key_changes.get(arxiv_id, []) + changes),
                             bib_type))
    entries.sort(key=_entry_key)
    return entries


#: How a paper's further cited keys are written: biblatex ``ids`` aliases, or an entry per key.
CITE_ALIASES = ("ids", "entries")


def _split_ids(value: str) -> list[str]:
    """The keys of a biblatex ``ids`` field (``a, b``)."""
    return [part.strip() for part in value.split(",") if part.strip()]


def _cited_keys(groups: dict[str, list[Record]], taken: set[str]) -> dict[str, list[str]]:
    """arxiv_id -> the keys documents cite it by (input order; keys already defined left out).

    Only citations written as the paper's id count (``\\cite{2108.02818}``): a citation
    that names a .bib key is that entry's, and the entry has its key already.
    """
    cited: dict[str, list[str]] = {}
    for arxiv_id, records in groups.items():
        found: dict[str, None] = {}
        for record in records:
            key = record.key
            if record.role == "citation" and key and record.arxiv_id and key not in taken \
                    and keys.is_valid_key(key):
                found.setdefault(key)
        if found:
            cited[arxiv_id] = list(found)
    return cited


#: An entry's sort key (keys are unique, so the key alone orders the entries).
_entry_key = operator.attrgetter("key")
#: The paper of a (record, paper) pair.
_second = operator.itemgetter(1)


def _best_paper(papers: list[Paper]) -> Paper:
    """The most recent metadata among duplicates (highest version, then latest update)."""
    return max(papers, key=lambda p: (p.version, p.updated))


def _bib_records(records: list[Record]) -> list[Record]:
    """The .bib records among ``records`` in a deterministic order: (file, line, key)."""
    found = [r for r in records if r.kind == "bib" and r.key]
    if len(found) < 2:
        return found
    return sorted(found, key=lambda r: (r.source, r.line, r.key or ""))


def _kept_keys(bib_records: dict[str, list[Record]], rekey: bool) -> tuple[dict[str, str], dict[str, list[str]]]:
    """arxiv_id -> the .bib key it keeps (a key claimed by two papers goes to the lower id),
    and arxiv_id -> why a .bib key could not be kept."""
    kept: dict[str, str] = {}
    changes: dict[str, list[str]] = {}
    if rekey:
        return kept, changes
    owner: dict[str, str] = {}
    for arxiv_id in sorted(bib_records):
        for record in bib_records[arxiv_id]:
            key = record.key or ""
            if not keys.is_valid_key(key):
                changes.setdefault(arxiv_id, []).append(
                    f"key: {key!r} cannot be used in a .bib file; a new key was generated")
                continue
            if key in owner:
                changes.setdefault(arxiv_id, []).append(
                    f"key: {key!r} ({record.source}:{record.line}) already names arXiv:{owner[key]}; "
                    "a new key was generated"
                )
                continue
            kept[arxiv_id] = key
            owner[key] = arxiv_id
            break
    return kept, changes


def _generated_bases(papers: Iterable[tuple[str, Paper]], year_mode: str) -> dict[str, str]:
    """arxiv_id -> the key each paper would get alone: first author, year (``year_mode``), title.

    One comprehension (most papers' main work in this stage), with no call of its own per paper.
    """
    latest = keys.check_year_mode(year_mode) == "latest"
    base_key = keys.base_key
    return {arxiv_id: base_key(paper.authors[0].name if paper.authors else None,
                               (paper.updated if latest else paper.published).year, paper.title)
            for arxiv_id, paper in papers}


# --------------------------------------------------------------------------- .bib corrections


def _merge_bib_records(
    records: list[Record], key: str, paper: Paper, year_mode: str, rekey: bool
) -> tuple[dict[str, str], list[str], str | None]:
    """The entry's kept .bib fields, its changes and, for a published version, its type,
    from its .bib records (the first record decides; for a preprint, first record wins per field)."""
    bib_fields: dict[str, str] = {}
    changes: list[str] = []
    if not records:
        return bib_fields, changes, None
    aliases = [r.key for r in records if r.key and r.key != key and keys.is_valid_key(r.key)]
    aliases = list(dict.fromkeys(aliases))
    for alias in aliases:
        why = "--rekey" if rekey else f"same paper, arXiv:{paper.arxiv_id}"
        changes.append(f"key: {alias!r} -> {key!r} ({why}); {alias!r} kept as an alias in ids")
    first = records[0]
    fields = {k.lower(): v for k, v in first.fields.items()}
    bib_type = first.entry_type if first.entry_type and preprint.published_version(first.entry_type, fields) else None
    if bib_type is not None:
        bib_fields, published = _published_fields(fields, paper)
        changes.extend(published)
    else:
        changes.extend(_corrections(fields, paper, year_mode))
        for record in records:
            for name, value in record.fields.items():
                name = name.lower()
                if name in bib_fields or _provided_by_arxiv(name, value):
                    continue
                bib_fields[name] = value
    if aliases:
        existing = [a.strip() for a in bib_fields.get("ids", "").split(",") if a.strip()]
        merged = [a for a in dict.fromkeys(existing + aliases) if a != key]
        bib_fields["ids"] = ", ".join(merged)
    return bib_fields, changes, bib_type


def _published_fields(fields: dict[str, str], paper: Paper) -> tuple[dict[str, str], list[str]]:
    """A published entry's fields as written, less those the writer makes from arXiv's id, and
    arXiv's DOI (it names the preprint, not the work cited); what changed, one line each."""
    kept = {name: value for name, value in fields.items() if name not in EPRINT_FIELDS}
    changes = []
    eprint = fields.get("eprint", "").strip()
    if not eprint:
        changes.append(f"added eprint {paper.arxiv_id} (the published version is kept as written)")
    elif eprint != paper.arxiv_id:
        changes.append(f"eprint: {eprint!r} -> {paper.arxiv_id!r}")
    doi = kept.get("doi", "")
    if doi and preprint.is_arxiv_doi(doi):
        del kept["doi"]
        changes.append(f"doi: {doi.strip()!r} dropped (arXiv's DOI names the preprint; the entry cites the "
                       "published version)")
    return kept, changes


def _provided_by_arxiv(name: str, value: str) -> bool:
    """True when a .bib field only restates the arXiv record (so the writer's version replaces it)."""
    if name in ARXIV_FIELDS:
        return True
    if name == "doi":
        return preprint.is_arxiv_doi(value)
    if name in ("journal", "journaltitle", "publisher", "howpublished"):
        return preprint.is_arxiv_venue(value)
    if name == "volume":
        return value.strip().lower().startswith("abs/")
    return False


def _corrections(fields: dict[str, str], paper: Paper, year_mode: str) -> list[str]:
    """Human-readable lines for each way the .bib entry differs from arXiv's record."""
    changes: list[str] = []
    title = fields.get("title")
    if title is None:
        changes.append("added title")
    elif not same_title(title, paper.title):
        changes.append(f"title: {plain(title)!r} -> {clean_text(paper.title)!r}")
    changes.extend(_author_change(fields.get("author"), paper))
    year = str(keys.paper_year(paper.published, paper.updated, year_mode))
    old_year = fields.get("year") or (fields.get("date") or "")[:4] or None
    if old_year is None:
        changes.append("added year")
    elif old_year.strip() != year:
        changes.append(f"year: {old_year.strip()!r} -> {year!r}")
    eprint = fields.get("eprint")
    if eprint is None:
        changes.append("added eprint")
    elif eprint.strip() != paper.arxiv_id:
        changes.append(f"eprint: {eprint.strip()!r} -> {paper.arxiv_id!r}")
    for name in ("doi", "url"):
        if name not in fields:
            changes.append(f"added {name}")
    for name in ("journal", "journaltitle", "volume", "publisher", "howpublished"):
        if name in fields and _provided_by_arxiv(name, fields[name]):
            changes.append(f"{name}: {plain(fields[name])!r} dropped (the arXiv eprint fields say it)")
    return changes


def _author_change(value: str | None, paper: Paper) -> list[str]:
    arxiv_names = [a.name for a in paper.authors]
    if value is None:
        return [f"added author ({len(arxiv_names)} from arXiv)"] if arxiv_names else []
    old = [n.strip() for n in re.split(r"\s+and\s+", clean_text(value)) if n.strip()]
    if old and old[-1].lower() == "others":
        old = old[:-1]  # "X and others" is still a change: arXiv's full list replaces it
    old_keys = [keys.family_key(latex_to_text(n)) for n in old]
    new_keys = [keys.family_key(n) for n in arxiv_names]
    if old_keys == new_keys:
        return []
    shown = " and ".join(arxiv_names[:3]) + (" and others" if len(arxiv_names) > 3 else "")
    return [f"author: {plain(value)!r} -> {shown!r} ({len(arxiv_names)} authors from arXiv)"]
