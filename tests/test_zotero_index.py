"""The library index: incremental by version, deletions and trash, a state file without secrets."""

from __future__ import annotations

from pathlib import Path

from fakezotero import FakeZotero
from zotero_support import LIBRARY, web_settings

from arxref.formats.zotero import zotero_item
from arxref.model import Paper
from arxref.zotero import Library
from arxref.zotero.index import LibraryIndex, load_index, save_index, state_path
from arxref.zotero.web import WebClient


def test_sync_reads_only_changes_and_applies_deletions(fake_zotero: FakeZotero, seed_papers: dict[str, Paper]) -> None:
    papers = list(seed_papers.values())
    keys = [fake_zotero.library.add_item(zotero_item(p)) for p in papers[:3]]
    fake_zotero.library.add_item({"itemType": "note", "note": "<p>not a paper</p>"})
    index = LibraryIndex()
    with WebClient(web_settings(fake_zotero), Library.parse(LIBRARY)) as client:
        assert index.sync(client) == 4
        assert index.version == 4 and sorted(index.items) == sorted(keys)  # the note is not kept
        assert [k.key for k in index.find(papers[0])] == [keys[0]]
        assert not index.find(papers[5])
        fake_zotero.library.delete_item(keys[0])
        fake_zotero.library.trash_item(keys[1])
        fake_zotero.library.add_item(zotero_item(papers[5]))
        assert index.sync(client) == 2  # the trashed item and the new one; the deletion comes from /deleted
    assert not index.find(papers[0]) and not index.find(papers[1])
    assert index.find(papers[2]) and index.find(papers[5])
    assert fake_zotero.requests("GET", "/deleted")[-1].query == {"since": "4"}


def test_published_doi_matches(fake_zotero: FakeZotero, seed_papers: dict[str, Paper]) -> None:
    from dataclasses import replace

    # synthetic journal DOI on a real paper; the library holds the journal article only
    paper = replace(seed_papers["1708.05866"], doi="10.1000/synthetic.2017")
    fake_zotero.library.add_item({"itemType": "journalArticle", "title": paper.title, "DOI": "10.1000/SYNTHETIC.2017"})
    index = LibraryIndex()
    with WebClient(web_settings(fake_zotero), Library.parse(LIBRARY)) as client:
        index.sync(client)
    assert index.find(paper) and not index.find(seed_papers["1708.05866"])


def test_state_file_round_trip_without_key(tmp_path: Path, fake_zotero: FakeZotero,
                                           seed_papers: dict[str, Paper]) -> None:
    for paper in list(seed_papers.values())[:4]:
        fake_zotero.library.add_item(zotero_item(paper))
    index = LibraryIndex()
    with WebClient(web_settings(fake_zotero), Library.parse(LIBRARY)) as client:
        index.sync(client)
    path = state_path(tmp_path / "cache.sqlite", fake_zotero.url, Library.parse(LIBRARY))
    assert path.parent == tmp_path / "zotero" and path.name.startswith("user-1234567-")
    assert save_index(path, index)
    text = path.read_text(encoding="utf-8")
    assert fake_zotero.api_key not in text and "Evaluating" not in text  # ids only, no key, no item text
    again = load_index(path)
    assert again.version == index.version and again.items == index.items
    # another server, another file
    assert state_path(tmp_path / "cache.sqlite", "https://api.zotero.org", Library.parse(LIBRARY)) != path


def test_damaged_state_means_a_full_read(tmp_path: Path) -> None:
    path = tmp_path / "zotero" / "user-1-x.json"
    path.parent.mkdir()
    for text in ("{not json", '{"format": 99, "version": 5, "items": {}}', '{"format": 1, "version": 5, "items": 3}'):
        path.write_text(text, encoding="utf-8")
        assert load_index(path).version == 0
    assert load_index(tmp_path / "missing.json").version == 0


def test_unwritable_cache_directory_is_reported_not_fatal(tmp_path: Path) -> None:
    blocker = tmp_path / "zotero"
    blocker.write_text("a file where the directory should be", encoding="utf-8")
    assert save_index(blocker / "user-1-x.json", LibraryIndex()) is False
