"""`zotero push` through the Web API: papers from dumps into a library, never twice.

The run, in order: read what the library holds (incrementally, :mod:`.index`), find or
create the collection, resolve the inputs into papers (the export pipeline's
:func:`arxref.pipeline.gather`), sort each paper into *already in library*, *to update*
(``--update``, a newer arXiv version than the item's) or *to add*, and write in batches
of 50. Each batch carries the library version it was planned against
(``If-Unmodified-Since-Version``) and its own write token: if anything changed in the
library meanwhile, or a retried request had in fact arrived, Zotero answers 412, the
index reads what changed, and only the papers still missing are sent again.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from ..config import Settings
from ..errors import ExitCode, UsageError
from ..formats.zotero import ITEM_TYPE, OWNED_FIELDS, merge_extra, zotero_item
from .index import Known, LibraryIndex, load_index, save_index, state_path
from .web import MAX_WRITE, Library, WebClient, WebSettings, WriteAnswer, ZoteroError, ZoteroUnreachable, new_write_token

if TYPE_CHECKING:
    from ..model import Paper
    from ..pipeline import ExportReport, Progress
    from ..results import PaperLike

#: Outcome of one paper, in the order a summary lists them.
STATUSES = ("added", "updated", "already", "failed", "would add", "would update")


@dataclass(frozen=True)
class PushOptions:
    """What to push and how (the ``zotero push`` options other than where)."""

    collection: str | None = None
    """Put new items into this collection (created when missing; by name)."""
    dry_run: bool = False
    """Read the library and say what would be written; write nothing."""
    update: bool = False
    """Refresh items whose arXiv version is older than the paper's."""
    year: str = "first"
    """The item's date: ``first`` (version 1) or ``latest`` (the version described), as ``export --year``."""
    min_score: float | None = None
    """Lowest similarity score that resolves an id-less record (as ``export --min-score``)."""
    batch_size: int = MAX_WRITE

    def __post_init__(self) -> None:
        if not 1 <= self.batch_size <= MAX_WRITE:
            raise UsageError(f"batch size must be 1-{MAX_WRITE} (the Zotero API's limit), not {self.batch_size}")
        if self.year not in ("first", "latest"):
            raise UsageError(f"year must be 'first' or 'latest', not {self.year!r}")


@dataclass(frozen=True)
class Outcome:
    """What happened to one paper."""

    arxiv_id: str
    title: str
    status: str
    """One of :data:`STATUSES`."""
    key: str | None = None
    """The Zotero item key (added, updated or already there)."""
    message: str = ""

    def format_text(self) -> str:
        words = {"already": "already in library"}.get(self.status, self.status)
        where = f" (item {self.key})" if self.key else ""
        why = f": {self.message}" if self.message else ""
        return f"{words} arXiv:{self.arxiv_id}{where} {_short(self.title)!r}{why}"


@dataclass(frozen=True)
class PushReport:
    """What a push did, paper by paper, with the problems of resolving the inputs."""

    target: str
    outcomes: tuple[Outcome, ...]
    gathered: ExportReport | None = None
    """The resolution of the inputs (its problems are the records that gave no paper)."""
    notes: tuple[str, ...] = ()
    """Things the user should know (a collection created, an index that could not be saved...)."""
    unreachable: str | None = None
    """Why the push stopped early when Zotero stopped answering (the rest are failed)."""
    dry_run: bool = False

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def failed(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.status == "failed"]

    @property
    def exit_code(self) -> ExitCode:
        """3 when Zotero (or arXiv) could not be reached; 1 when items failed or inputs gave no paper; else 0."""
        gathered = self.gathered.exit_code if self.gathered is not None else ExitCode.OK
        if self.unreachable or gathered == ExitCode.UNVERIFIED:
            return ExitCode.UNVERIFIED
        if self.failed or gathered != ExitCode.OK:
            return ExitCode.PROBLEMS
        return ExitCode.OK

    def summary(self) -> str:
        if self.dry_run:
            counts = (f"would add {self.count('would add')}, would update {self.count('would update')}, "
                      f"{self.count('already')} already in library")
        else:
            counts = (f"{self.count('added')} added, {self.count('updated')} updated, "
                      f"{self.count('already')} already in library, {self.count('failed')} failed")
        unresolved = len(self.gathered.problems) if self.gathered is not None else 0
        tail = f"; {unresolved} input problems" if unresolved else ""
        return f"{self.target}: {counts}{tail}"


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def batches(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    """``items`` cut into runs of at most ``size`` (the last one shorter)."""
    return [items[start:start + size] for start in range(0, len(items), size)]


def gather_papers(paths: Sequence[str | os.PathLike[str]], settings: Settings, options: PushOptions,
                  papers: Iterable[PaperLike], progress: Progress | None) -> tuple[list[Paper], ExportReport]:
    """The inputs resolved into distinct papers, as `export` would write them."""
    from ..pipeline import gather

    report = gather(paths, settings=settings, year=options.year, min_score=options.min_score, progress=progress,
                    results=papers)
    return [entry.paper for entry in report.entries], report


def push(paths: Sequence[str | os.PathLike[str]], library: Library | str, *, settings: Settings | None = None,
         web: WebSettings | None = None, options: PushOptions | None = None, papers: Iterable[PaperLike] = (),
         progress: Progress | None = None) -> PushReport:
    """Push the papers of ``paths`` (and ``papers``) into a Zotero library through the Web API.

    Raises :class:`~arxref.errors.UsageError` for a missing key or a bad library,
    :class:`.ZoteroUnreachable` when Zotero cannot be reached before anything is written;
    once writing has started, failures are outcomes in the report.
    """
    settings = settings or Settings()
    web = web or WebSettings()
    options = options or PushOptions()
    if isinstance(library, str):
        library = Library.parse(library)
    if not web.api_key:
        raise UsageError("ZOTERO_API_KEY is not set: create a key that may write to the library at "
                         "https://www.zotero.org/settings/keys (or use --desktop with Zotero running)")
    path = state_path(settings.cache_path, web.base_url, library)
    with WebClient(web, library) as client:
        run = _WebRun(client, load_index(path), options, lambda index: save_index(path, index))
        run.sync()
        collection = run.collection()
        found, gathered = gather_papers(paths, settings, options, papers, progress)
        return run.push(found, gathered, collection)


@dataclass
class _WebRun:
    client: WebClient
    index: LibraryIndex
    options: PushOptions
    save: Any
    notes: list[str] = field(default_factory=list)

    def sync(self) -> None:
        self.index.sync(self.client)
        self._save()

    def _save(self) -> None:
        if not self.save(self.index) and "index" not in " ".join(self.notes):
            self.notes.append("the library index could not be saved in the cache directory; "
                              "the next run reads the whole library again")

    def collection(self) -> str | None:
        """The key of ``--collection`` (created unless dry-run), or None."""
        name = self.options.collection
        if not name:
            return None
        found = [c for c in self.client.collections()
                 if c.get("data", {}).get("name") == name and not c.get("data", {}).get("deleted")]
        found.sort(key=lambda c: bool(c.get("data", {}).get("parentCollection")))  # top level first
        if found:
            return str(found[0]["key"])
        if self.options.dry_run:
            self.notes.append(f"collection {name!r} would be created")
            return None
        key = self.client.create_collection(name, version=self.index.version)
        self.notes.append(f"created collection {name!r}")
        self.sync()  # the new collection moved the library version on
        return key

    def push(self, papers: list[Paper], gathered: ExportReport, collection: str | None) -> PushReport:
        outcomes: dict[str, Outcome] = {}
        to_add: list[Paper] = []
        to_update: list[tuple[Paper, Known]] = []
        for paper in papers:
            known = self.index.find(paper)
            if not known:
                to_add.append(paper)
            elif self.options.update and (stale := _stale(paper, known)) is not None:
                to_update.append((paper, stale))
            else:
                outcomes[paper.arxiv_id] = Outcome(paper.arxiv_id, paper.title, "already", known[0].key)
        unreachable = None
        if self.options.dry_run:
            for paper in to_add:
                outcomes[paper.arxiv_id] = Outcome(paper.arxiv_id, paper.title, "would add")
            for paper, item in to_update:
                outcomes[paper.arxiv_id] = Outcome(paper.arxiv_id, paper.title, "would update", item.key,
                                                   f"version {item.ids.version} -> {paper.version}")
        else:
            try:
                for batch in batches(to_add, self.options.batch_size):
                    outcomes.update(self._add(list(batch), collection))
                for pairs in batches(to_update, self.options.batch_size):
                    outcomes.update(self._update(list(pairs)))
            except ZoteroUnreachable as exc:
                unreachable = str(exc)
                for paper in [*to_add, *(p for p, _ in to_update)]:
                    if paper.arxiv_id not in outcomes:
                        outcomes[paper.arxiv_id] = Outcome(paper.arxiv_id, paper.title, "failed", None,
                                                           "not written: Zotero stopped answering")
            self._save()
        ordered = tuple(outcomes[p.arxiv_id] for p in papers if p.arxiv_id in outcomes)
        return PushReport(str(self.client.library), ordered, gathered, tuple(self.notes), unreachable,
                          self.options.dry_run)

    # ----------------------------------------------------------------- adding

    def _add(self, batch: list[Paper], collection: str | None) -> dict[str, Outcome]:
        """Write one batch of new papers; a 412 reads the library again and sends only what is still missing."""
        results: dict[str, Outcome] = {}
        pending = batch
        token = new_write_token()
        resent = False
        collections = [collection] if collection else []
        for _ in range(self.client.settings.max_retries + 1):
            items = [zotero_item(p, collections=collections, year=self.options.year) for p in pending]
            answer = self.client.post_items(items, version=self.index.version, token=token)
            resent = resent or answer.retried
            if answer.status != 412:
                results.update(self._take(answer, pending))
                return results
            self.sync()  # someone wrote meanwhile, or our own earlier attempt had arrived
            still = []
            for paper in pending:
                known = self.index.find(paper)
                if not known:
                    still.append(paper)
                elif resent:
                    results[paper.arxiv_id] = Outcome(paper.arxiv_id, paper.title, "added", known[0].key)
                else:
                    results[paper.arxiv_id] = Outcome(paper.arxiv_id, paper.title, "already", known[0].key,
                                                      "added to the library by someone else while pushing")
            if len(still) != len(pending):
                token = new_write_token()  # a different batch: a token names one write
            pending = still
            if not pending:
                return results
        for paper in pending:
            results[paper.arxiv_id] = Outcome(paper.arxiv_id, paper.title, "failed", None,
                                              "the library kept changing while this batch was written")
        return results

    def _take(self, answer: WriteAnswer, pending: list[Paper], advance: bool = True) -> dict[str, Outcome]:
        """Outcomes of a write answer: ``successful`` (added), ``unchanged`` (already), ``failed`` (with Zotero's reason).

        ``advance``: the write was checked against the index's library version, so the
        version after it covers nothing but this write and the index may take it.
        """
        results: dict[str, Outcome] = {}
        if answer.status != 200 or not isinstance(answer.body, dict):
            why = f"Zotero answered {answer.status}" + (f": {answer.body}" if isinstance(answer.body, str) and answer.body else "")
            return {p.arxiv_id: Outcome(p.arxiv_id, p.title, "failed", None, why) for p in pending}
        body = answer.body
        successful = body.get("successful") or {}
        self.index.apply(obj for obj in successful.values() if isinstance(obj, dict))
        if advance and answer.version is not None:
            self.index.version = answer.version
        for position, paper in enumerate(pending):
            slot = str(position)
            if isinstance(successful.get(slot), dict):
                results[paper.arxiv_id] = Outcome(paper.arxiv_id, paper.title, "added", successful[slot].get("key"))
            elif slot in (body.get("unchanged") or {}):
                results[paper.arxiv_id] = Outcome(paper.arxiv_id, paper.title, "already", body["unchanged"][slot])
            else:
                failure = (body.get("failed") or {}).get(slot) or {}
                message = html.unescape(str(failure.get("message", "no answer for this item")))
                code = failure.get("code")
                results[paper.arxiv_id] = Outcome(paper.arxiv_id, paper.title, "failed", failure.get("key") or None,
                                                  f"{code}: {message}" if code else message)
        return results

    # ----------------------------------------------------------------- updating

    def _update(self, pairs: list[tuple[Paper, Known]]) -> dict[str, Outcome]:
        """Refresh arxref's fields of items whose arXiv version is older (each item's own version guards it)."""
        current = {obj.get("key"): obj for obj in self.client.items_by_key([known.key for _, known in pairs])}
        objects: list[dict[str, Any]] = []
        sent: list[Paper] = []
        results: dict[str, Outcome] = {}
        for paper, known in pairs:
            obj = current.get(known.key)
            if not isinstance(obj, dict) or not isinstance(obj.get("data"), dict):
                results[paper.arxiv_id] = Outcome(paper.arxiv_id, paper.title, "failed", known.key,
                                                  "the item is no longer in the library")
                continue
            fresh = zotero_item(paper, year=self.options.year)
            change = {name: fresh[name] for name in OWNED_FIELDS}
            change["extra"] = merge_extra(str(obj["data"].get("extra") or ""), fresh["extra"])
            objects.append({"key": known.key, "version": obj.get("version", known.version), **change})
            sent.append(paper)
        if objects:
            answer = self.client.post_items(objects, version=None, token=None)
            taken = self._take(answer, sent, advance=False)
            self.sync()  # versioned per item, not per library: read what else changed meanwhile
            for arxiv_id, outcome in taken.items():
                if outcome.status == "added":
                    outcome = Outcome(outcome.arxiv_id, outcome.title, "updated", outcome.key)
                elif outcome.status == "failed" and outcome.message.startswith("412"):
                    outcome = Outcome(outcome.arxiv_id, outcome.title, "failed", outcome.key,
                                      "the item changed in Zotero while pushing; run again")
                results[arxiv_id] = outcome
        return results


def _stale(paper: Paper, known: list[Known]) -> Known | None:
    """The preprint item to refresh for ``paper``: one whose arXiv version is known and older."""
    for item in known:
        if item.item_type == ITEM_TYPE and item.ids.version is not None and item.ids.version < paper.version:
            return item
    return None


__all__ = ["Outcome", "PushOptions", "PushReport", "STATUSES", "ZoteroError", "batches", "push"]
