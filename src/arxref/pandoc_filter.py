"""The pandoc filter ``arxref-pandoc``: arXiv citations rendered from arxref's cache.

``pandoc notes.md --filter arxref-pandoc --citeproc`` hands this filter the document as
JSON. Every citation whose key is an arXiv id in a form :func:`arxref.ids.parse` accepts
(``@arxiv:2108.02818``, ``@arXiv:2307.03718v2``, ``@doi:10.48550/arXiv.2107.03374``,
``@arxiv:hep-th/9901001``, ``@2108.02818``) gets a CSL item in the document's
``references`` metadata whose ``id`` is the key as written, so citeproc finds it. Items
come from the cache, and what it lacks through :func:`arxref.fetch.fetch_papers` (unless
offline); their content is the CSL-JSON writer's (:func:`arxref.formats.csljson.paper_item`).

Keys already defined (in ``references``, or in a readable ``bibliography`` file) are left
alone. One paper cited under several keys becomes one bibliography entry: its citations
are pointed at one key (the user's own definition when there is one, else the first key
written), instead of citeproc listing the same paper twice.

Nothing here stops the document: an id arXiv does not have, one not cached while offline,
an unreachable arXiv or an unusable cache is one warning line on stderr and the citation
is left as it was, for citeproc to report as not found (``pandoc --fail-if-warnings`` turns
that into a failed build). The filter itself exits 0 whenever it could hand the document
back.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import panflute as pf

from .errors import ArxrefError, ExitCode, InputError, InvalidIdError
from .ids import ArxivId, find_ids, parse

if TYPE_CHECKING:
    from .config import Settings
    from .fetch import FetchReport
    from .model import Paper

PROG = "arxref-pandoc"
#: Bibliography suffixes whose keys can be read here (pandoc reads a few more; those are not
#: looked into, so a key defined only there may get a second definition from arXiv).
BIB_SUFFIXES = (".bib", ".bibtex", ".json", ".yaml", ".yml")


@dataclass(frozen=True)
class FilterReport:
    """What the filter did to one document."""

    added: tuple[str, ...] = ()
    """Keys given a CSL item in ``references``, in the order first cited."""
    aliased: dict[str, str] = field(default_factory=dict)
    """Key as written -> the key its citations now use (the same paper cited under several keys)."""
    unresolved: tuple[str, ...] = ()
    """arXiv-id keys left without an item (each has a warning)."""
    warnings: tuple[str, ...] = ()
    """One line each, for stderr."""


# --------------------------------------------------------------------------- reading the document


def cite_keys(doc: pf.Doc) -> list[str]:
    """Every citation key of the document (text and metadata, e.g. ``nocite``), first use first."""
    keys: dict[str, None] = {}

    def collect(elem: pf.Element, _: pf.Doc) -> None:
        if isinstance(elem, pf.Cite):
            keys.update((citation.id, None) for citation in elem.citations)

    doc.walk(collect)
    return list(keys)


def arxiv_keys(keys: Iterable[str]) -> tuple[dict[str, ArxivId], list[str]]:
    """The keys that are arXiv ids (key -> id), and a warning for each key written as an
    explicit arXiv id that cannot exist (``arxiv:2313.00001``)."""
    found: dict[str, ArxivId] = {}
    warnings: list[str] = []
    for key in keys:
        try:
            found[key] = parse(key)
        except InvalidIdError:
            for match in find_ids(key):
                if match.problem and match.explicit and match.end == len(key):
                    warnings.append(f"{key}: not a possible arXiv id ({match.problem}); left unresolved")
    return found, warnings


def defined_keys(doc: pf.Doc, base: Path) -> set[str]:
    """Ids the document already defines: its ``references`` and its readable ``bibliography`` files.

    Paths are read relative to ``base`` (pandoc's working directory). A file that cannot be
    read or parsed defines nothing here; pandoc itself reports it.
    """
    keys = {str(item["id"]) for item in _as_list(doc.get_metadata("references", []))
            if isinstance(item, dict) and "id" in item}
    for name in _as_list(doc.get_metadata("bibliography", [])):
        if isinstance(name, str) and name.strip():
            keys |= bibliography_keys(base / Path(name.strip()).expanduser())
    return keys


def bibliography_keys(path: Path) -> set[str]:
    """The entry keys of a bibliography file pandoc reads (BibTeX, CSL-JSON, CSL-YAML); empty if unreadable."""
    from .scan.files import read_bytes  # a FIFO or a device is refused, not read forever

    suffix = path.suffix.lower()
    try:
        if suffix in (".bib", ".bibtex"):
            from .scan import scan_file

            return {record.key for record in scan_file(path, kind="bib") if record.key}
        if suffix == ".json":
            items = json.loads(read_bytes(path).decode("utf-8"))
        elif suffix in (".yaml", ".yml"):
            import yaml

            items = yaml.safe_load(read_bytes(path).decode("utf-8"))
            items = items.get("references", []) if isinstance(items, dict) else items
        else:
            return set()
    except (OSError, UnicodeDecodeError, ValueError, InputError, ImportError):
        return set()
    except Exception as exc:  # yaml.YAMLError: a broken file defines nothing (pandoc reports it)
        if type(exc).__module__.startswith("yaml"):
            return set()
        raise
    return {str(item["id"]) for item in _as_list(items) if isinstance(item, dict) and "id" in item}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# --------------------------------------------------------------------------- the transformation


def add_references(doc: pf.Doc, settings: "Settings", base: Path | None = None) -> FilterReport:
    """Give every arXiv citation of ``doc`` an item in its ``references`` (changes ``doc``).

    Papers already defined are not fetched; the rest come from the cache at
    ``settings.cache_path``, then arXiv unless ``settings.offline``. Never raises for a
    missing paper, an unreachable arXiv or an unusable cache: those are warnings.
    """
    cited, warnings = arxiv_keys(cite_keys(doc))
    defined = defined_keys(doc, Path.cwd() if base is None else base) if cited else set()
    target = _user_targets(cited, defined)  # key -> the key its citations use from now on
    wanted = {key: arxiv_id for key, arxiv_id in cited.items() if key not in target}
    papers, report, problem = _papers(wanted.values(), settings) if wanted else ({}, None, "")
    if problem:
        warnings.append(f"{', '.join(wanted)}: left unresolved: {problem}")
    items: dict[str, dict[str, Any]] = {}  # base id -> the item, under the first key that got it
    missing: dict[str, list[str]] = {}  # why -> keys (arXiv down is one line, not one per citation)
    for key, arxiv_id in wanted.items():
        paper = papers.get(arxiv_id.base)
        if paper is None or (arxiv_id.version or 0) > paper.version:
            if report is not None:
                missing.setdefault(_why_missing(arxiv_id, report, settings), []).append(key)
            continue
        if arxiv_id.base not in items:
            from .formats.csljson import paper_item

            items[arxiv_id.base] = paper_item(paper, key)
        target[key] = items[arxiv_id.base]["id"]
    warnings.extend(f"{', '.join(keys)}: {why}; left unresolved" for why, keys in missing.items())
    if items:
        _append_references(doc, list(items.values()))
    aliased = {key: to for key, to in target.items() if to != key}
    if aliased:
        _rename_citations(doc, aliased)
    return FilterReport(tuple(item["id"] for item in items.values()), aliased,
                        tuple(key for key in cited if key not in target), tuple(warnings))


def _user_targets(cited: dict[str, ArxivId], defined: set[str]) -> dict[str, str]:
    """The keys of papers the user defines: a defined key stays, the paper's other keys point at
    its first defined key (one paper, one bibliography entry: the user's)."""
    own: dict[str, str] = {}
    for key, arxiv_id in cited.items():
        if key in defined:
            own.setdefault(arxiv_id.base, key)
    return {key: key if key in defined else own[arxiv_id.base]
            for key, arxiv_id in cited.items() if arxiv_id.base in own}


def _papers(ids: Iterable[ArxivId], settings: "Settings") -> tuple[dict[str, "Paper"], "FetchReport | None", str]:
    """Base id -> paper (cache, then arXiv) with the fetch report; or why the cache failed."""
    from .cache import Cache
    from .fetch import fetch_papers

    wanted = list(ids)
    try:
        with Cache(settings.cache_path) as cache:
            report = fetch_papers([arxiv_id.versioned for arxiv_id in wanted], settings, cache)
            # the highest version cited is what was asked; a paper without it still answers the others
            papers = dict(report.papers)
            missing = [arxiv_id.base for arxiv_id in wanted if arxiv_id.base not in papers]
            if missing:
                papers.update(cache.get_many(missing))
    except ArxrefError as exc:
        return {}, None, str(exc)
    return papers, report, ""


def _why_missing(arxiv_id: ArxivId, report: "FetchReport", settings: "Settings") -> str:
    """Why an id has no paper, in the words of the fetch report."""
    for name in (arxiv_id.versioned, arxiv_id.base):
        if name in report.unverified:
            return report.unverified[name]
        if name in report.invalid:
            return f"arXiv rejected {name} ({report.invalid[name]})"
    if arxiv_id.version and arxiv_id.versioned in report.not_found:
        return f"arXiv has no version {arxiv_id.version} of {arxiv_id.base}"
    if arxiv_id.base in report.not_found:
        return f"arXiv has no paper {arxiv_id.base}"
    if settings.offline:
        return f"{arxiv_id.versioned} is not in the cache {settings.cache_path} (offline)"
    return f"arXiv did not return {arxiv_id.versioned}"


def _append_references(doc: pf.Doc, items: list[dict[str, Any]]) -> None:
    """Add CSL items to ``references`` (created when absent; a lone item becomes a list)."""
    entries = [meta_value(item) for item in items]
    current = doc.metadata["references"] if "references" in doc.metadata else None
    if isinstance(current, pf.MetaList):
        current.content.extend(entries)
    elif current is None:
        doc.metadata["references"] = pf.MetaList(*entries)
    else:
        doc.metadata["references"] = pf.MetaList(current, *entries)


def _rename_citations(doc: pf.Doc, aliased: dict[str, str]) -> None:
    def rename(elem: pf.Element, _: pf.Doc) -> None:
        if isinstance(elem, pf.Cite):
            for citation in elem.citations:
                citation.id = aliased.get(citation.id, citation.id)

    doc.walk(rename)


def meta_value(value: Any) -> pf.MetaValue:
    """A CSL-JSON value as pandoc metadata: strings stay literal text (``MetaString``, never
    read as Markdown), numbers become their digits, lists and objects nest."""
    if isinstance(value, dict):
        return pf.MetaMap(*((str(k), meta_value(v)) for k, v in value.items()))
    if isinstance(value, list):
        return pf.MetaList(*(meta_value(v) for v in value))
    if isinstance(value, bool):
        return pf.MetaBool(value)
    return pf.MetaString(str(value))


# --------------------------------------------------------------------------- the console script


def main(argv: Sequence[str] | None = None) -> int:
    """``arxref-pandoc [FORMAT]``: the JSON filter pandoc runs (settings from ARXREF_*)."""
    from .config import Settings

    args = sys.argv[1:] if argv is None else list(argv)
    if args and args[0] in ("-h", "--help"):
        print(f"usage: pandoc IN --filter {PROG} --citeproc -o OUT\n\n{__doc__}")
        return ExitCode.OK
    try:
        doc = pf.load(sys.stdin)
    except Exception as exc:  # noqa: BLE001 - panflute asserts, or raises NotImplementedError for an unknown tag
        print(f"{PROG}: error: standard input is not a pandoc JSON document ({str(exc) or type(exc).__name__}); "
              f"run it as: pandoc IN --filter {PROG}", file=sys.stderr)
        return ExitCode.USAGE
    try:
        settings = Settings.from_env()
    except (ValueError, TypeError) as exc:
        report = FilterReport(warnings=(f"arXiv citations left unresolved: bad ARXREF_* setting: {exc}",))
    else:
        report = add_references(doc, settings)
    for line in report.warnings:
        print(f"{PROG}: warning: {line}", file=sys.stderr)
    pf.dump(doc, sys.stdout)
    return ExitCode.OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
