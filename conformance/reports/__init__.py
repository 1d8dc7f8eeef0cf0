"""Reports of a run, for people and for machines: console, JSON and JUnit, all redacted.

- :mod:`.console`: the terminal report (rich) and the progress bar;
- :mod:`.json_report`: ``--report-json``, in the format of ``specs/report.schema.json``;
- :mod:`.junit`: ``--junit``, one test case per scenario, run and rule;
- :mod:`.html`: ``--report-html``, one self-contained page, every finding by rule;
- :mod:`.markdown`: a JSON report as markdown (``python -m conformance.reports.markdown
  report.json``), for a CI job summary;
- ``_evidence`` and ``_redact``: what all three show of a finding, and how secrets
  are kept out of it.

The suite, the proxy, the traffic fixture and the receiver all produce
:class:`~conformance.suite.Report` values; these modules turn them into output.
Nothing is imported here, so that importing one reporter does not load the others.
"""
