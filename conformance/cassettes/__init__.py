"""Recorded cassettes: record a target's scenario catalogue, replay it, lint and diff cassettes.

Cassettes are vcrpy's own format (``version: 1`` and ``interactions``), so vcrpy
and pytest-recording load the kit's recordings unchanged, and the kit checks
cassettes users already keep. The kit tags each interaction it records with
the scenario id it belongs to (an extra ``scenario`` key vcrpy ignores), and
keeps the notifications and callbacks the run brought as interactions too,
marked ``delivery`` and re-signed with the placeholder key (:mod:`._deliveries`).

- :func:`record` runs the scenario catalogue against a target and returns a
  scrubbed cassette (``capture-conformance record``);
- :func:`replay_target` / :func:`replay` re-check a recording offline with the
  suite's own rules and reports (``capture-conformance check --cassette``);
- :func:`lint` validates every interaction of any cassette against ``specs/``
  (``capture-conformance cassettes lint``);
- :func:`diff` compares two recordings scenario by scenario and classifies each
  change (``capture-conformance cassettes diff``).

>>> from conformance.simulators import create
>>> recording = record("midtrans", simulator=create("midtrans"))
>>> lint([recording.cassette]).exit_code
0
>>> diff(recording.cassette, recording.cassette).changes
[]
"""

from ._diff import Change, DiffResult, diff
from ._format import Cassette, Interaction, load_cassette, save_cassette
from ._lint import LintResult, lint
from ._record import Recording, record, write_recording
from ._replay import replay, replay_target

__all__ = [
    "Cassette",
    "Change",
    "DiffResult",
    "Interaction",
    "LintResult",
    "Recording",
    "diff",
    "lint",
    "load_cassette",
    "record",
    "replay",
    "replay_target",
    "save_cassette",
    "write_recording",
]
