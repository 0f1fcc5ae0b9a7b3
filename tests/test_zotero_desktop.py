"""`zotero push --desktop`: the running Zotero's connector, against a loopback fake of it."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakezotero import FakeConnector, Fault, drip, free_port, silent
from zotero_support import finishes, ids_file, offline, papers, reading_list  # noqa: F401  (shared fixtures)

from arxref.errors import ExitCode, UsageError
from arxref.formats.zotero import zotero_item
from arxref.model import Paper
from arxref.zotero import DesktopSettings, PushOptions, ZoteroUnreachable, push_desktop


def _desktop(fake: FakeConnector) -> DesktopSettings:
    return DesktopSettings(base_url=fake.url, timeout=5.0)


def test_zotero_not_running_is_said_plainly(seeded: Path, reading_list: Path) -> None:
    with pytest.raises(ZoteroUnreachable, match="Zotero is not running: nothing answers at") as caught:
        push_desktop([reading_list], settings=offline(seeded),
                     desktop=DesktopSettings(base_url=f"http://127.0.0.1:{free_port()}", timeout=2.0))
    assert caught.value.exit_code == ExitCode.UNVERIFIED


def test_saves_through_the_connector_and_a_rerun_adds_nothing(fake_connector: FakeConnector, seeded: Path,
                                                               reading_list: Path, papers: list[Paper]) -> None:
    report = push_desktop([reading_list], settings=offline(seeded), desktop=_desktop(fake_connector))
    assert report.exit_code == ExitCode.OK and report.count("added") == 25
    assert report.summary() == "Zotero desktop: 25 added, 0 updated, 0 already in library, 0 failed"
    assert [r.path for r in fake_connector.requests()][:2] == ["/connector/ping", "/api/users/0/items"]
    saves = fake_connector.requests("POST", "/connector/saveItems")
    assert len(saves) == 1 and saves[0].headers["X-Zotero-Connector-API-Version"] == "3"
    stored = sorted(obj["data"]["archiveID"] for obj in fake_connector.library.items.values())
    assert stored == sorted(f"arXiv:{p.arxiv_id}" for p in papers)
    again = push_desktop([reading_list], settings=offline(seeded), desktop=_desktop(fake_connector))
    assert again.count("already") == 25 and len(fake_connector.requests("POST", "/connector/saveItems")) == 1


def test_the_library_is_read_through_the_local_api(fake_connector: FakeConnector, seeded: Path,
                                                   reading_list: Path, papers: list[Paper]) -> None:
    fake_connector.library.add_item(zotero_item(papers[3]))  # saved earlier by the user
    report = push_desktop([reading_list], settings=offline(seeded), desktop=_desktop(fake_connector),
                          options=PushOptions(dry_run=True))
    assert report.count("would add") == 24 and report.count("already") == 1 and report.notes == ()
    assert fake_connector.requests("POST", "/connector/saveItems") == []


def test_without_the_local_api_only_arxrefs_own_saves_are_known(seeded: Path, reading_list: Path,
                                                               papers: list[Paper]) -> None:
    with FakeConnector(local_api=False) as fake:
        fake.library.add_item(zotero_item(papers[3]))  # invisible without the local API
        first = push_desktop([reading_list], settings=offline(seeded), desktop=_desktop(fake))
        assert first.count("added") == 25 and "local API is off" in first.notes[0]
        again = push_desktop([reading_list], settings=offline(seeded), desktop=_desktop(fake))
        assert again.count("already") == 25
        assert len(fake.requests("POST", "/connector/saveItems")) == 1


def test_a_local_api_that_does_not_answer_is_not_called_off(seeded: Path, reading_list: Path) -> None:
    """The connector answers but the local API's read hangs: the note says it did not answer, not that it is off."""
    with FakeConnector() as fake:
        fake.inject(Fault(silent=True, path="/api/"), times=2)  # the read and its one retry
        report = finishes(lambda: push_desktop([reading_list], settings=offline(seeded), options=PushOptions(dry_run=True),
                                               desktop=DesktopSettings(base_url=fake.url, timeout=1.0)))
    assert report.count("would add") == 25
    assert report.notes[0].startswith("Zotero's local API did not answer (") and "no answer within 1 s" in report.notes[0]


def test_collection_is_chosen_by_name(fake_connector: FakeConnector, seeded: Path, reading_list: Path) -> None:
    report = push_desktop([reading_list], settings=offline(seeded), desktop=_desktop(fake_connector),
                          options=PushOptions(collection="Reading"))
    assert report.count("added") == 25
    assert all(obj["data"]["collections"] == ["C7"] for obj in fake_connector.library.items.values())
    with pytest.raises(UsageError, match="no collection named 'Missing'"):
        push_desktop([reading_list], settings=offline(seeded), desktop=_desktop(fake_connector),
                     options=PushOptions(collection="Missing"))


def test_read_only_library_fails_the_items(fake_connector: FakeConnector, seeded: Path, reading_list: Path) -> None:
    fake_connector.read_only = True
    report = push_desktop([reading_list], settings=offline(seeded), desktop=_desktop(fake_connector))
    assert report.exit_code == ExitCode.PROBLEMS and report.count("failed") == 25
    assert "read-only" in report.failed[0].message


def test_update_needs_the_web_api(fake_connector: FakeConnector, seeded: Path, reading_list: Path) -> None:
    with pytest.raises(UsageError, match="--update needs the Web API"):
        push_desktop([reading_list], settings=offline(seeded), desktop=_desktop(fake_connector),
                     options=PushOptions(update=True))


@pytest.mark.parametrize("fault", [drip(0.5), silent()], ids=["dripping-body", "never-answers"])
def test_a_ping_that_hangs_is_given_up_at_the_timeout(seeded: Path, reading_list: Path, fault: Fault) -> None:
    with FakeConnector() as fake:
        fake.inject(fault)
        with pytest.raises(ZoteroUnreachable, match="Zotero is not running: nothing answers at") as caught:
            finishes(lambda: push_desktop([reading_list], settings=offline(seeded),
                                          desktop=DesktopSettings(base_url=fake.url, timeout=1.0)))
        assert caught.value.exit_code == ExitCode.UNVERIFIED and len(fake.requests()) == 1


def test_a_save_whose_answer_drips_is_given_up_at_the_timeout(seeded: Path, reading_list: Path) -> None:
    with FakeConnector() as fake:
        fake.inject(Fault(drip=0.5, method="POST"))
        report = finishes(lambda: push_desktop([reading_list], settings=offline(seeded),
                                               desktop=DesktopSettings(base_url=fake.url, timeout=1.0)))
    assert report.exit_code == ExitCode.UNVERIFIED and report.count("failed") == 25
    assert report.unreachable == (f"Zotero stopped answering at {fake.url}/connector/saveItems "
                                  "(no answer within 1 s)")
