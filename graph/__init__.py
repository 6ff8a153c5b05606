"""The graph layer: the store that holds citykg's quads, one named graph per source.

``open_store()`` gives the embedded Oxigraph store, on disk by default (see :func:`default_store_path`)
or in memory; ``GraphStore.rdflib_dataset()`` shows the same store as an rdflib ``Dataset``.
``remote.RemoteStore`` is the same interface on a SPARQL 1.1 server (``--endpoint``).
"""

from .store import GraphStore, default_store_path, open_store

__all__ = ["GraphStore", "default_store_path", "open_store"]
