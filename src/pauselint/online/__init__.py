"""Read-only questions to OCI registries (issue 15): does a tag exist, for which
platforms, with which digest.

Nothing outside this package opens a network connection to a registry, and nothing
imports it unless an online check was asked for: ``pauselint check`` without
``--online`` never loads it (tests/online/test_offline.py holds that).

* :mod:`.results` -- what an answer is: a :class:`~.results.Manifest`, a
  :class:`~.results.Tags` list, or a :class:`~.results.Failure` value (never an
  exception to the caller).
* :mod:`.hosts` -- what the caller knows per host (plain HTTP, CA file, skip_verify,
  credentials from an auth file), with secrets that no ``repr`` shows.
* :mod:`.transport` -- the one function that sends a request, GET or HEAD only.
* :mod:`.auth` -- the registry challenges (``Bearer`` token flow, ``Basic``).
* :mod:`.distribution` -- the client: manifests, config blobs, paged tag lists,
  with a per-run cache, a deadline and a small thread pool.
"""
