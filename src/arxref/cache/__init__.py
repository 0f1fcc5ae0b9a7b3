"""The persistent offline cache: one SQLite file of arXiv metadata, misses and searches.

One module per job (the Cache store is the only one that touches the connection's
transactions; the others are functions over a Cache using its public methods):

* :mod:`.schema`: table layout, :data:`MIGRATIONS`, connection settings;
* :mod:`.rows`: Paper <-> ``papers`` row, by column name;
* :mod:`.merge`: writing rows (version merging, FTS index kept in step);
* :mod:`.store`: :class:`Cache` itself (open, migrate, transactions, papers, misses, searches, stats);
* :mod:`.search`: full-text candidates for the resolver (:meth:`Cache.search_local`);
* :mod:`.importer` and :mod:`.lines`: the two-process bulk import (:meth:`Cache.import_paths`);
* :mod:`.export`: one Atom feed per paper (:meth:`Cache.export_atom`).
"""

from __future__ import annotations

from ..errors import CacheError
from .export import export_atom, export_name
from .importer import IMPORT_CHUNK, ImportReport, import_paths
from .schema import MIGRATIONS
from .search import keywords, search_local
from .store import Cache, SearchRecord

__all__ = [
    "Cache", "ImportReport", "SearchRecord", "MIGRATIONS", "IMPORT_CHUNK", "CacheError",
    "export_atom", "export_name", "import_paths", "keywords", "search_local",
]
