"""`zotero push` through the Web API, against the loopback fake: no duplicates, however the run goes.

Input: a reading list of the 25 real seed ids, resolved offline from a private copy of the
cache holding examples/arxiv-responses (conftest's ``seeded``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from fakezotero import FakeZotero, lost_answer, status
from zotero_support import LIBRARY, Waits, ids_file, offline, papers, reading_list, web_settings  # noqa: F401

from arxref.errors import ExitCode, UsageError
from arxref.formats.zotero import zotero_item
from arxref.model import Paper
from arxref.zotero import PushOptions, ZoteroUnreachable, push
from arxref.zotero.push import batches


def _archive_ids(fake: FakeZotero) -> list[str]:
    return sorted(obj["data"].get("archiveID", "") for obj in fake.library.items.values())


def test_first_push_adds_everything_and_a_rerun_adds_nothing(fake_zotero: FakeZotero, seeded: Path,
                                                             reading_list: Path, papers: list[Paper]) -> None:
    web = web_settings(fake_zotero)
    report = push([reading_list], LIBRARY, settings=offline(seeded), web=web)
    assert report.exit_code == ExitCode.OK and report.count("added") == 25
    assert report.summary() == "user:1234567: 25 added, 0 updated, 0 already in library, 0 failed"
    assert _archive_ids(fake_zotero) == sorted(f"arXiv:{p.arxiv_id}" for p in papers)
    assert [r.objects for r in fake_zotero.item_writes()] == [25]
    assert all(obj["data"]["itemType"] == "preprint" for obj in fake_zotero.library.items.values())
    reads_before = len(fake_zotero.requests("GET", "/items"))

    again = push([reading_list], LIBRARY, settings=offline(seeded), web=web)
    assert again.exit_code == ExitCode.OK and again.count("already") == 25 and again.count("added") == 0
    assert len(fake_zotero.item_writes()) == 1 and len(fake_zotero.library.items) == 25
    # the re-run asked only for what changed since the version it had saved
    reads = fake_zotero.requests("GET", "/items")[reads_before:]
    assert [r.query["since"] for r in reads] == [str(fake_zotero.library.version)]


def test_batches_of_at_most_50(fake_zotero: FakeZotero, seeded: Path, reading_list: Path) -> None:
    assert [len(b) for b in batches(list(range(120)), 50)] == [50, 50, 20]
    with pytest.raises(UsageError):
        PushOptions(batch_size=51)
    report = push([reading_list], LIBRARY, settings=offline(seeded), web=web_settings(fake_zotero),
                  options=PushOptions(batch_size=10))
    assert report.count("added") == 25
    writes = fake_zotero.item_writes()
    assert [r.objects for r in writes] == [10, 10, 5]
    # each batch its own token, each checked against the version the previous batch left
    assert len({r.headers["Zotero-Write-Token"] for r in writes}) == 3
    assert [r.headers["If-Unmodified-Since-Version"] for r in writes] == ["0", "10", "20"]


def test_papers_the_library_has_in_any_form_are_skipped(fake_zotero: FakeZotero, seeded: Path, reading_list: Path,
                                                        papers: list[Paper]) -> None:
    library = fake_zotero.library
    # saved by Zotero's arXiv translator, by a CSL-JSON import, as a web page: real ids, other shapes
    library.add_item({"itemType": "preprint", "title": papers[0].title, "archiveID": f"arXiv:{papers[0].arxiv_id}",
                      "extra": f"arXiv:{papers[0].arxiv_id} [cs.LG]"})
    library.add_item({"itemType": "preprint", "title": papers[1].title, "archiveID": papers[1].arxiv_id})
    library.add_item({"itemType": "journalArticle", "title": papers[2].title,
                      "url": f"https://arxiv.org/abs/{papers[2].arxiv_id}v1"})
    library.add_item({"itemType": "journalArticle", "title": papers[3].title,
                      "DOI": f"10.48550/arXiv.{papers[3].arxiv_id}"})
    # a PDF attachment of a paper is not the paper
    library.add_item({"itemType": "attachment", "linkMode": "imported_url", "title": "Preprint PDF",
                      "url": f"https://arxiv.org/pdf/{papers[4].arxiv_id}"})
    report = push([reading_list], LIBRARY, settings=offline(seeded), web=web_settings(fake_zotero))
    assert report.count("already") == 4 and report.count("added") == 21
    already = {o.arxiv_id for o in report.outcomes if o.status == "already"}
    assert already == {p.arxiv_id for p in papers[:4]}


def test_a_lost_answer_is_not_written_twice(fake_zotero: FakeZotero, seeded: Path, reading_list: Path) -> None:
    # the first write arrives and is stored, but its answer never comes back
    fake_zotero.inject(lost_answer())
    report = push([reading_list], LIBRARY, settings=offline(seeded), web=web_settings(fake_zotero))
    assert report.exit_code == ExitCode.OK and report.count("added") == 25
    assert len(fake_zotero.library.items) == 25
    writes = fake_zotero.item_writes()
    assert [r.status for r in writes] == [200, 412]  # the resent batch: "Write token already used"
    assert writes[0].headers["Zotero-Write-Token"] == writes[1].headers["Zotero-Write-Token"]


def test_stale_library_version_gets_412_then_only_the_missing_papers(
        fake_zotero: FakeZotero, seeded: Path, reading_list: Path, papers: list[Paper]) -> None:
    from arxref.zotero.web import WebClient

    library = fake_zotero.library
    original = WebClient.post_items
    raced = []

    def post_after_a_race(self, items, *, version, token):  # type: ignore[no-untyped-def]
        if not raced:  # between our read and our write, another client saves paper 7 and a note
            raced.append(library.add_item(zotero_item(papers[7])))
            library.add_item({"itemType": "note", "note": "<p>unrelated</p>"})
        return original(self, items, version=version, token=token)

    WebClient.post_items = post_after_a_race  # type: ignore[method-assign]
    try:
        report = push([reading_list], LIBRARY, settings=offline(seeded), web=web_settings(fake_zotero))
    finally:
        WebClient.post_items = original  # type: ignore[method-assign]
    writes = fake_zotero.item_writes()
    assert [(r.status, r.objects) for r in writes] == [(412, 25), (200, 24)]
    assert writes[0].headers["Zotero-Write-Token"] != writes[1].headers["Zotero-Write-Token"]
    outcome = next(o for o in report.outcomes if o.arxiv_id == papers[7].arxiv_id)
    assert outcome.status == "already" and outcome.key == raced[0]
    assert report.count("added") == 24 and len(library.items) == 26  # 25 papers and the note


def test_429_with_backoff_is_waited_out(fake_zotero: FakeZotero, seeded: Path, reading_list: Path) -> None:
    waits = Waits()
    fake_zotero.inject(status(429, Backoff="5"), times=2)
    report = push([reading_list], LIBRARY, settings=offline(seeded), web=web_settings(fake_zotero, waits))
    assert report.count("added") == 25 and waits == [5.0, 5.0]


def test_a_failed_item_is_reported_and_the_rest_written(fake_zotero: FakeZotero, seeded: Path,
                                                        reading_list: Path) -> None:
    fake_zotero.fail_items["arXiv:2107.03374"] = (413, "Item is too large")
    web = web_settings(fake_zotero)
    report = push([reading_list], LIBRARY, settings=offline(seeded), web=web)
    assert report.exit_code == ExitCode.PROBLEMS
    [failed] = report.failed
    assert failed.arxiv_id == "2107.03374" and failed.message == "413: Item is too large"
    assert report.count("added") == 24 and "1 failed" in report.summary()
    fake_zotero.fail_items.clear()
    again = push([reading_list], LIBRARY, settings=offline(seeded), web=web)
    assert again.count("added") == 1 and again.count("already") == 24 and again.exit_code == ExitCode.OK


def test_collection_is_created_once_and_items_go_into_it(fake_zotero: FakeZotero, seeded: Path,
                                                         reading_list: Path) -> None:
    web = web_settings(fake_zotero)
    options = PushOptions(collection="Reading list")
    report = push([reading_list], LIBRARY, settings=offline(seeded), web=web, options=options)
    [collection] = fake_zotero.library.collections.values()
    assert collection["data"]["name"] == "Reading list" and "created collection 'Reading list'" in report.notes
    assert all(obj["data"]["collections"] == [collection["key"]] for obj in fake_zotero.library.items.values())
    again = push([reading_list], LIBRARY, settings=offline(seeded), web=web, options=options)
    assert len(fake_zotero.library.collections) == 1 and again.notes == () and again.count("already") == 25


def test_dry_run_writes_nothing(fake_zotero: FakeZotero, seeded: Path, reading_list: Path,
                                papers: list[Paper]) -> None:
    fake_zotero.library.add_item(zotero_item(papers[0]))
    report = push([reading_list], LIBRARY, settings=offline(seeded), web=web_settings(fake_zotero),
                  options=PushOptions(dry_run=True, collection="New"))
    assert report.count("would add") == 24 and report.count("already") == 1 and report.exit_code == ExitCode.OK
    assert report.summary() == "user:1234567: would add 24, would update 0, 1 already in library"
    assert "collection 'New' would be created" in report.notes
    assert fake_zotero.requests("POST") == [] and len(fake_zotero.library.items) == 1


def test_update_refreshes_an_older_version_and_keeps_the_users_extra(
        fake_zotero: FakeZotero, seeded: Path, reading_list: Path, seed_papers: dict[str, Paper]) -> None:
    codex = seed_papers["2107.03374"]  # version 2 in the shipped data
    old = zotero_item(replace(codex, version=1))
    old["extra"] += "\nCitation Key: chen2021codex"
    old["title"] = "An older title"
    key = fake_zotero.library.add_item(old)
    web = web_settings(fake_zotero)
    preview = push([reading_list], LIBRARY, settings=offline(seeded), web=web,
                   options=PushOptions(update=True, dry_run=True))
    assert [(o.status, o.message) for o in preview.outcomes if o.key == key] == [("would update", "version 1 -> 2")]
    plain = push([reading_list], LIBRARY, settings=offline(seeded), web=web)
    assert [o.status for o in plain.outcomes if o.key == key] == ["already"]  # no --update: left alone
    report = push([reading_list], LIBRARY, settings=offline(seeded), web=web, options=PushOptions(update=True))
    assert [o.status for o in report.outcomes if o.key == key] == ["updated"]
    data = fake_zotero.library.items[key]["data"]
    assert data["title"] == codex.title
    assert data["extra"].splitlines() == ["arXiv: 2107.03374", "Primary class: cs.LG", "version: 2",
                                          "Citation Key: chen2021codex"]
    again = push([reading_list], LIBRARY, settings=offline(seeded), web=web, options=PushOptions(update=True))
    assert again.count("updated") == 0 and again.count("already") == 25


def test_deleted_and_trashed_items_are_added_again(fake_zotero: FakeZotero, seeded: Path, reading_list: Path,
                                                   papers: list[Paper]) -> None:
    web = web_settings(fake_zotero)
    push([reading_list], LIBRARY, settings=offline(seeded), web=web)
    by_id = {obj["data"]["archiveID"]: key for key, obj in fake_zotero.library.items.items()}
    fake_zotero.library.delete_item(by_id[f"arXiv:{papers[0].arxiv_id}"])
    fake_zotero.library.trash_item(by_id[f"arXiv:{papers[1].arxiv_id}"])
    report = push([reading_list], LIBRARY, settings=offline(seeded), web=web)
    assert {o.arxiv_id for o in report.outcomes if o.status == "added"} == {papers[0].arxiv_id, papers[1].arxiv_id}


def test_before_anything_is_written(tmp_path: Path, seeded: Path, reading_list: Path) -> None:
    from fakezotero import free_port

    fake = FakeZotero()
    fake.port = free_port()  # nothing listens
    with pytest.raises(ZoteroUnreachable) as caught:
        push([reading_list], LIBRARY, settings=offline(seeded), web=web_settings(fake, max_retries=1))
    assert caught.value.exit_code == ExitCode.UNVERIFIED
    with pytest.raises(UsageError, match="ZOTERO_API_KEY is not set"):
        push([reading_list], LIBRARY, settings=offline(seeded), web=web_settings(fake, api_key=""))


def test_zotero_going_away_mid_push_fails_the_rest_with_exit_3(fake_zotero: FakeZotero, seeded: Path,
                                                               reading_list: Path) -> None:
    from arxref.zotero.web import WebClient

    original = WebClient.post_items
    sent = []

    def stop_after_first(self, items, *, version, token):  # type: ignore[no-untyped-def]
        if sent:
            raise ZoteroUnreachable("the Zotero Web API at ... could not be reached: connection refused")
        sent.append(1)
        return original(self, items, version=version, token=token)

    WebClient.post_items = stop_after_first  # type: ignore[method-assign]
    try:
        report = push([reading_list], LIBRARY, settings=offline(seeded), web=web_settings(fake_zotero),
                      options=PushOptions(batch_size=10))
    finally:
        WebClient.post_items = original  # type: ignore[method-assign]
    assert report.exit_code == ExitCode.UNVERIFIED and report.unreachable
    assert report.count("added") == 10 and report.count("failed") == 15
