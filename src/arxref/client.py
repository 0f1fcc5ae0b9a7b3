"""The only code that talks to the arXiv API: polite, patient and suspicious.

arxiv.py stays the project's arXiv vocabulary (see :mod:`arxref.results`), but its
request loop is not used, because for a tool whose answers end up in bibliographies
and CI verdicts it falls short:

* it retries HTTP 400 (one bad id fails a whole batch; retrying cannot help)
  and has no backoff, so a throttled client hammers arXiv;
* it ignores ``Retry-After`` and sets no request timeout (a stalled connection
  hangs forever);
* it times its rate limit with ``datetime.now`` (jumps with the wall clock);
* it only GETs (long id lists get HTTP 414);
* its lxml parser runs with ``recover=True``, so a truncated feed yields
  damaged entries. We parse with :func:`arxref.atom.parse_feed` (strict).

arxiv.py has no public way to build a query URL, so :func:`query_string` builds the
same one with the standard library (same parameters, same order).

Everything here is synchronous. Each request goes through :func:`arxref.transport.send`
(a hard deadline for the whole request, a cap on the answer's size) inside a turn of
:class:`arxref.ratelimit.RequestGate`: a lock file beside the cache, so no two requests
from any arxref process on the machine overlap and they start at least
``settings.request_interval`` seconds apart. A run makes ONE client and hands it to
every stage (fetch and resolve share it). :class:`~arxref.ratelimit.RequestInterval` is the
in-process variant, for callers (and tests) that bring their own clock.
"""

from __future__ import annotations

import email.utils
import logging
import random
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterator, Mapping, Sequence
from urllib.parse import urlencode

from . import __version__
from .atom import Feed, FeedError, parse_feed
from .config import PROJECT_URL, Settings
from .errors import InvalidIdError, OfflineError, VerifyError
from .ids import parse as parse_id
from .model import Paper
from .ratelimit import RequestGate, RequestInterval
from .transport import DeadlineExceeded, TransportError, Unreachable, send

log = logging.getLogger(__name__)

USER_AGENT = f"arxref/{__version__} (+{PROJECT_URL})"

#: GET URLs longer than this are sent as POST (arXiv answers 414 near 600-700 ids).
MAX_GET_URL = 2000
#: The API never returns more than this many entries per response.
MAX_RESULTS_PER_REQUEST = 2000
#: Upper bound on any single wait, whatever a Retry-After header asks for.
MAX_RETRY_AFTER = 300.0
#: Upper bound on one exponential-backoff wait.
MAX_BACKOFF = 120.0
#: Smallest backoff step; keeps retries spaced even with request_interval 0 (tests).
MIN_BACKOFF = 0.01
#: An API host that cannot be reached at all (refused, name not resolving) is tried this many
#: more times, after QUICK_RETRY seconds (and the request interval): seconds, not minutes.
UNREACHABLE_RETRIES = 1
QUICK_RETRY = 1.0
#: After that, the run's later requests fail at once for this long instead of knocking again.
UNREACHABLE_MEMORY = 60.0

#: Ids that exist on arXiv, used as the witness of an empty answer when the run knows none
#: yet: two long-standing papers (Codex, GPT-3), the second for a batch that asks for the first.
FALLBACK_WITNESSES = ("2107.03374", "2005.14165")

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: How an HTML (or XHTML) page begins: an optional BOM, XML declaration and comments, then
#: its doctype or <html> element. An Atom feed begins with <feed> after the declaration.
_HTML_START = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])",
                         re.IGNORECASE | re.DOTALL)


@dataclass
class FetchBatchResult:
    """The answer to one id_list batch, keyed by the id as requested (``X`` or ``XvN``)."""

    papers: dict[str, Paper] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    """Requested ids arXiv confirmed it lacks: a whole, non-empty answer without them."""
    invalid: dict[str, str] = field(default_factory=dict)
    """Ids rejected locally (impossible id) or by arXiv (HTTP 400), with the reason."""
    unverified: dict[str, str] = field(default_factory=dict)
    """Ids arXiv neither returned nor confirmed missing (empty twice, a cut page), and ids of a
    sub-batch that failed for good while isolating a bad id (HTTP 400 split); with the reason."""
    requests: int = 0


@dataclass
class SearchResult:
    papers: list[Paper]
    total_results: int


class RejectedRequest(VerifyError):
    """arXiv answered HTTP 400 (bad id or query); retrying the same request cannot help."""

    def __init__(self, message: str, api_error: str | None) -> None:
        super().__init__(message)
        self.api_error = api_error


class _Retryable(Exception):
    """A failure worth retrying (throttling, 5xx, network, damaged feed).

    ``said`` is how the retry line on stderr names it ("arXiv answered 503"); ``unreachable``
    marks a host nothing answers at (retried once, quickly: see UNREACHABLE_RETRIES)."""

    def __init__(self, message: str, retry_after: float | None = None, *, said: str | None = None,
                 unreachable: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.said = said or message
        self.unreachable = unreachable


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), capped; None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    seconds: float
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def query_string(query: str, id_list: Sequence[str], start: int, max_results: int) -> str:
    """The urlencoded API parameters, as arxiv.py's ``Client`` sends them for a ``Search``.

    Same names, values and order (``search_query``, ``id_list``, ``sortBy``, ``sortOrder``,
    ``start``, ``max_results``; relevance, descending), so arXiv and its caches see the
    requests they always saw.
    """
    return urlencode({"search_query": query, "id_list": ",".join(id_list), "sortBy": "relevance",
                      "sortOrder": "descending", "start": str(start), "max_results": str(max_results)})


class ArxivClient:
    """Synchronous arXiv API client (see the module docstring for the why).

    ``sleep``, ``clock`` and ``jitter`` are injectable so tests can run fast and
    deterministic. Backoff after the n-th failure (n = 0, 1, ...) waits
    ``base * 2**n * (1 + jitter())`` seconds, with ``base = max(request_interval,
    MIN_BACKOFF)`` and at most MAX_BACKOFF; a Retry-After header replaces that
    wait when it is longer. Every wait also respects the request interval, kept by
    ``interval`` (by default the machine-wide :class:`RequestGate` beside the cache).
    """

    def __init__(self, settings: Settings, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic, jitter: Callable[[], float] = random.random,
                 interval: "RequestInterval | RequestGate | None" = None) -> None:
        self.settings = settings
        self._jitter = jitter
        # Machine-wide by default: the turn is taken through a lock file beside the cache,
        # so every arxref process on this machine keeps arXiv's interval together.
        self.interval = interval or RequestGate(
            settings.cache_path.parent, settings.api_url, settings.request_interval, sleep=sleep,
            clock=time.time if clock is time.monotonic else clock)
        self.closed = False
        self._clock = clock
        self._unreachable: tuple[float, str] | None = None
        """(when, why) the API host was last found unreachable for good (see UNREACHABLE_MEMORY)."""
        self.witness: str | None = None
        """An id known to exist, added to the re-check of an empty answer (see _fetch_matched)."""
        self._gave_up = False
        self.requests_made = 0
        """HTTP requests sent so far (attempts, including retries)."""

    # -- plumbing -------------------------------------------------------------

    def close(self) -> None:
        """Mark the client finished (each request has its own connection, so nothing else stays open)."""
        self.closed = True

    def __enter__(self) -> "ArxivClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _build(self, query: str, id_list: Sequence[str], start: int, max_results: int) -> tuple[str, str]:
        """(GET URL, urlencoded form body) for one request."""
        body = query_string(query, id_list, start, max_results)
        return f"{self.settings.api_url}?{body}", body

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        base = max(float(self.settings.request_interval), MIN_BACKOFF)
        delay: float = min(base * 2.0**attempt, MAX_BACKOFF) * (1.0 + self._jitter())
        if retry_after is not None:
            delay = max(delay, retry_after)
        return min(delay, MAX_RETRY_AFTER)

    def _send_once(self, query: str, id_list: Sequence[str], start: int, max_results: int,
                   at_least: float = 0.0) -> Feed:
        """One HTTP request in its turn (and ``at_least`` seconds after the last one).

        The turn is held until the answer is read or abandoned, so no two requests
        overlap; ``settings.timeout`` bounds the whole request. Returns a clean Feed,
        raises _Retryable or RejectedRequest.
        """
        url, body = self._build(query, id_list, start, max_results)
        headers = {"User-Agent": USER_AGENT}
        method = "POST" if len(url) > MAX_GET_URL else "GET"
        with self.interval.turn(at_least):
            self.requests_made += 1
            started = time.monotonic()
            try:
                if method == "POST":
                    headers["Content-Type"] = "application/x-www-form-urlencoded"
                    answer = send("POST", self.settings.api_url, body=body.encode("ascii"), headers=headers,
                                  timeout=self.settings.timeout, max_bytes=self.settings.max_response_bytes)
                else:
                    answer = send("GET", url, headers=headers, timeout=self.settings.timeout,
                                  max_bytes=self.settings.max_response_bytes)
            except DeadlineExceeded:
                self._log_request(method, url, f"no answer within {self.settings.timeout:g} s", started)
                raise _Retryable(f"no answer within {self.settings.timeout:g} s",
                                 said=f"arXiv did not answer within {self.settings.timeout:g} s") from None
            except Unreachable as exc:
                self._log_request(method, url, str(exc), started)
                raise _Retryable(str(exc), unreachable=True) from None
            except TransportError as exc:
                self._log_request(method, url, str(exc), started)
                raise _Retryable(str(exc), said=f"arXiv's answer failed: {exc}") from None
        self._log_request(method, url, f"HTTP {answer.status}, {len(answer.content):,} bytes", started)
        return self._check_response(answer.status, answer.headers, answer.content)

    def _log_request(self, method: str, url: str, outcome: str, started: float) -> None:
        """One line per request (the CLI shows them with -v)."""
        if log.isEnabledFor(logging.INFO):
            shown = url if len(url) <= 160 else url[:157] + "..."
            log.info("arXiv request %d: %s %s -> %s in %.2f s", self.requests_made, method, shown, outcome,
                     time.monotonic() - started)

    @staticmethod
    def _check_response(status: int, headers: Mapping[str, str], content: bytes) -> Feed:
        """Turn an HTTP answer into a trustworthy Feed or the right exception.

        An HTML page is a proxy's or a portal's, whatever its status (200, 400, 502):
        never arXiv's verdict on the ids, so it is retried and named as what it is.
        """
        if is_html(headers, content):
            retry_after = parse_retry_after(headers.get("retry-after") or headers.get("Retry-After"))
            raise _Retryable(f"server sent HTML, not an Atom feed (status {status})", retry_after,
                             said=f"arXiv answered {status} with an HTML page, not a feed")
        if status == 400:
            try:
                detail = parse_feed(content).api_error
            except FeedError:
                detail = None
            raise RejectedRequest(f"arXiv rejected the request (HTTP 400): {detail or 'bad request'}", detail)
        if status in _RETRY_STATUSES or 500 <= status < 600:
            retry_after = parse_retry_after(headers.get("retry-after") or headers.get("Retry-After"))
            raise _Retryable(f"HTTP {status}", retry_after, said=f"arXiv answered {status}")
        if status != 200:
            moved = (headers.get("location") or headers.get("Location") or "").split("?")[0]
            hint = f" (it moved to {moved}: give that as --api-url or ARXREF_API_URL)" if moved and 300 <= status < 400 else ""
            raise VerifyError(f"unexpected HTTP {status} from the arXiv API{hint}")
        try:
            feed = parse_feed(content)
        except FeedError as exc:
            raise _Retryable(f"damaged response ({exc})", said=f"arXiv's answer was damaged ({exc})") from None
        if feed.api_error:
            raise _Retryable(f"arXiv reported an error: {feed.api_error}")
        return feed

    def _request(self, query: str, id_list: Sequence[str], start: int, max_results: int) -> Feed:
        """Send with rate limiting and retries; VerifyError once retries are exhausted.

        Throttling, 5xx answers, timeouts and damaged answers are retried with backoff
        (``settings.max_retries`` times); a host that cannot be reached at all (refused,
        a name that does not resolve) once, after QUICK_RETRY seconds, and then the run's
        later requests fail at once for UNREACHABLE_MEMORY seconds. After one request has
        exhausted its retries, later ones get a single attempt each until one succeeds: a
        dead endpoint then costs one backoff cycle per run, not one per batch (CI jobs
        fail in seconds, not hours). Each retry is announced on the ``arxref.client``
        logger at WARNING (the CLI prints it; ``-q`` silences it).
        """
        if self.settings.offline:
            raise OfflineError("network access needed but offline mode is on (--offline / ARXREF_OFFLINE)")
        self._refuse_if_unreachable()
        degraded = self._gave_up
        retries = 0 if degraded else self.settings.max_retries
        attempt = 0
        delay = 0.0
        while True:
            try:
                feed = self._send_once(query, id_list, start, max_results, delay)
            except RejectedRequest:
                self._gave_up = False  # arXiv is answering; it just refuses this request
                raise
            except _Retryable as exc:
                allowed = min(retries, UNREACHABLE_RETRIES) if exc.unreachable else retries
                if attempt >= allowed:
                    self._gave_up = True
                    if exc.unreachable:
                        self._unreachable = (self._clock(), str(exc))
                    raise VerifyError(
                        f"could not verify against {self.settings.api_url}: {exc} "
                        f"(gave up after {attempt + 1} attempt{'s' if attempt else ''}"
                        f"{'; arXiv already failed to answer in this run' if degraded else ''})"
                    ) from None
                if exc.unreachable:
                    delay = max(QUICK_RETRY, float(self.settings.request_interval))
                else:
                    delay = self._backoff(attempt, exc.retry_after)
                attempt += 1
                log.warning("%s; retrying in %s (%d of %d)", exc.said, wait_text(delay), attempt, allowed)
            else:
                self._gave_up = False
                self._unreachable = None
                return feed

    def _refuse_if_unreachable(self) -> None:
        """VerifyError without a request while the host was found unreachable a moment ago."""
        if self._unreachable is None:
            return
        when, why = self._unreachable
        if self._clock() - when >= UNREACHABLE_MEMORY:
            self._unreachable = None
            return
        raise VerifyError(f"could not verify against {self.settings.api_url}: {why} "
                          f"(arXiv could not be reached earlier in this run; not asked again)")

    # -- public API ---------------------------------------------------------

    def fetch_ids(self, ids: Sequence[str]) -> FetchBatchResult:
        """Fetch ONE batch of ids (any accepted form); results are matched by id, not order.

        Raises VerifyError when arXiv cannot be reached or keeps answering garbage.
        """
        result = FetchBatchResult()
        wanted: list[str] = []
        for raw in ids:
            try:
                token = str(parse_id(raw))
            except InvalidIdError as exc:
                result.invalid[raw] = exc.reason
                continue
            if token not in wanted:
                wanted.append(token)
        if len(wanted) > MAX_RESULTS_PER_REQUEST:
            raise ValueError(f"at most {MAX_RESULTS_PER_REQUEST} ids per batch, got {len(wanted)}")
        before = self.requests_made
        if wanted:
            self._fetch_split(wanted, result, top=True)
        result.requests = self.requests_made - before
        return result

    def _fetch_split(self, tokens: list[str], result: FetchBatchResult, top: bool) -> None:
        """Fetch ``tokens``; on HTTP 400 split in halves to isolate the id(s) arXiv rejects."""
        try:
            found, missing, unconfirmed = self._fetch_matched(tokens)
        except RejectedRequest as exc:
            if len(tokens) == 1:
                result.invalid[tokens[0]] = exc.api_error or str(exc)
                return
            middle = len(tokens) // 2
            self._fetch_split(tokens[:middle], result, top=False)
            self._fetch_split(tokens[middle:], result, top=False)
            return
        except VerifyError as exc:
            if top or isinstance(exc, OfflineError):
                raise
            result.unverified.update((t, str(exc)) for t in tokens)
            return
        result.papers.update(found)
        result.missing.extend(missing)
        result.unverified.update(unconfirmed)

    def _fetch_matched(self, tokens: list[str]) -> tuple[dict[str, Paper], list[str], dict[str, str]]:
        """One id_list request, matched by id: (found, confirmed missing, unconfirmed -> why).

        arXiv sometimes answers a valid but empty feed for ids that exist, so an empty
        answer proves nothing. A non-empty answer that lacks an id does: arXiv looked
        the batch up. So an empty answer is asked again with a *witness* added, an id
        known to exist; if the witness comes back and an id does not, the miss is
        confirmed; if the answer is empty again, the ids stay unconfirmed.
        """
        feed = self._request("", tokens, 0, len(tokens))
        asked = tokens
        if not feed.papers:
            witness = self._witness_for(tokens)
            asked = tokens + ([witness] if witness else [])
            feed = self._request("", asked, 0, len(asked))
            if not feed.papers:
                return {}, [], dict.fromkeys(tokens, "arXiv answered empty twice")
        self._note_known(feed.papers)
        return settle(tokens, feed, asked)

    def _witness_for(self, tokens: list[str]) -> str | None:
        """An existing id not in the batch (None when the batch already holds the known ones)."""
        bases = {parse_id(t).base for t in tokens}
        candidates = ([self.witness] if self.witness else []) + list(FALLBACK_WITNESSES)
        return next((w for w in candidates if parse_id(w).base not in bases), None)

    def _note_known(self, papers: Sequence[Paper]) -> None:
        if self.witness is None and papers:
            self.witness = papers[0].arxiv_id

    def search(self, query: str, max_results: int = 50, start: int = 0) -> SearchResult:
        """Run a fielded ``search_query`` (e.g. ``ti:"attention is all" AND au:vaswani``)."""
        if not 1 <= max_results <= MAX_RESULTS_PER_REQUEST:
            raise ValueError(f"max_results must be 1..{MAX_RESULTS_PER_REQUEST}")
        feed = self._request(query, (), start, max_results)
        return SearchResult(feed.papers, feed.total_results)


@contextmanager
def use_client(settings: Settings, client: ArxivClient | None = None) -> Iterator[ArxivClient]:
    """The client a caller handed over (left open: others share it), else one of our own, closed after.

    Stages take an optional client so a run shares one (one request interval, one
    connection); called alone, a stage still works.
    """
    if client is not None:
        yield client
        return
    with ArxivClient(settings) as own:
        yield own


def wait_text(delay: float) -> str:
    """A wait as the retry line shows it: "12 s", "3.4 s", "0.01 s"."""
    if delay >= 10:
        return f"{delay:.0f} s"
    return f"{delay:.1f} s" if delay >= 0.1 else f"{delay:.2f} s"


def is_html(headers: Mapping[str, str], content: bytes) -> bool:
    """An HTML page (a proxy's or a portal's) where an Atom feed was expected."""
    kind = (headers.get("content-type") or headers.get("Content-Type") or "").lower()
    if "html" in kind:
        return True
    return _HTML_START.match(content[:2048]) is not None


def settle(tokens: Sequence[str], feed: Feed, asked: Sequence[str] = ()) -> tuple[dict[str, Paper], list[str], dict[str, str]]:
    """(found, confirmed missing, unconfirmed -> why) for a non-empty answer to an id_list request.

    An id the answer lacks is confirmed missing only when the answer is whole: when
    ``totalResults`` (which counts the papers arXiv found) exceeds the entries sent,
    arXiv cut the page (at most 2000 entries; a batch of 2000 plus a witness), and
    the ids left out prove nothing. Nor does an answer holding a paper not ``asked``
    (``tokens`` and any witness): arXiv never sends one; it answers another request.
    """
    found, missing = match_entries(tokens, feed.papers)
    if missing and feed.total_results > len(feed.papers):
        why = f"arXiv's answer was cut at {len(feed.papers)} of {feed.total_results} papers"
        return found, [], dict.fromkeys(missing, why)
    if missing:
        bases = {parse_id(token).base for token in (asked or tokens)}
        stray = next((p.arxiv_id for p in feed.papers if p.arxiv_id not in bases), None)
        if stray is not None:
            return found, [], dict.fromkeys(missing, f"arXiv's answer held {stray}, which was not asked for")
    return found, missing, {}


def match_entries(tokens: Sequence[str], papers: Sequence[Paper]) -> tuple[dict[str, Paper], list[str]]:
    """Pair requested ids with returned entries by id (order is arbitrary, duplicates appear once).

    A bare id matches its entry whatever the version; ``XvN`` matches only version N.
    """
    by_base: dict[str, list[Paper]] = {}
    for paper in papers:
        by_base.setdefault(paper.arxiv_id, []).append(paper)
    found: dict[str, Paper] = {}
    missing: list[str] = []
    for token in tokens:
        parsed = parse_id(token)
        candidates = by_base.get(parsed.base, [])
        if parsed.version is not None:
            candidates = [p for p in candidates if p.version == parsed.version]
        if candidates:
            found[token] = max(candidates, key=lambda p: p.version)
        else:
            missing.append(token)
    return found, missing
