"""flake8 formatters for torchlint's reports (the documents are in ``report.py``).

Registered under flake8's ``flake8.report`` entry point group (setup.cfg), so
``flake8 --format=torchlint-json|torchlint-sarif|torchlint-github`` works in any
environment where torchlint is installed; ``torchlint check --format
json|sarif|github`` uses the same classes. A report is written once, when
flake8 stops, to stdout or ``--output-file`` (replaced, not appended: a report
file holds one document).
"""
from __future__ import annotations

import os
import sys
from typing import List, Optional

from flake8.formatting.base import BaseFormatter

from torchlint import report
from torchlint.report import Finding


class CollectingFormatter(BaseFormatter):
    """Collects every reported violation; writes ``document()`` when flake8 stops."""

    def after_init(self) -> None:
        self.findings: List[Finding] = []

    def handle(self, error) -> None:
        self.findings.append(Finding(error.filename, error.line_number, error.column_number,
                                     error.code, error.text))

    def format(self, error) -> Optional[str]:  # pragma: no cover - handle() is overridden
        return None

    def show_statistics(self, statistics) -> None:  # would corrupt the document
        pass

    def show_benchmarks(self, benchmarks) -> None:
        pass

    def document(self) -> str:
        return ""

    def _stdin(self) -> set:
        """The display name of a buffer read from stdin: never read back from disk."""
        stdin = "-" in (getattr(self.options, "filenames", None) or ())
        return {self.options.stdin_display_name} if stdin else set()

    def located(self) -> List[Finding]:
        """The findings with their end positions (none for a buffer read from stdin)."""
        return report.with_ends(self.findings, skip=self._stdin())

    def fixes(self, findings: List[Finding]):
        """The automatic fix of each finding that has one (none for stdin)."""
        from torchlint.config import Config

        return report.fix_offers(findings, Config.from_options(self.options), skip=self._stdin())

    @property
    def docs_base(self) -> str:
        return getattr(self.options, "torchlint_docs_url", "") or ""

    def start(self) -> None:
        if self.filename:
            dirname = os.path.dirname(os.path.abspath(self.filename))
            os.makedirs(dirname, exist_ok=True)
            self.output_fd = open(self.filename, "w", encoding="utf-8")

    def stop(self) -> None:
        text = self.document()
        if self.output_fd is not None:
            self.output_fd.write(text)
        if text and (self.output_fd is None or self.options.tee):
            sys.stdout.write(text)
            sys.stdout.flush()
        super().stop()


class JsonFormatter(CollectingFormatter):
    """``--format=torchlint-json``: a JSON list of rows (see ``report.json_rows``)."""

    def document(self) -> str:
        findings = self.located()
        return report.findings_to_json(findings, self.docs_base, self.fixes(findings))


class SarifFormatter(CollectingFormatter):
    """``--format=torchlint-sarif``: a SARIF 2.1.0 log (docs links from --torchlint-docs-url)."""

    def document(self) -> str:
        findings = self.located()
        return report.sarif_document(findings, self.docs_base, self.fixes(findings))


class GithubFormatter(CollectingFormatter):
    """``--format=torchlint-github``: GitHub Actions ``::error`` workflow commands."""

    def document(self) -> str:
        return report.github_annotations(self.located())


BY_NAME = {"torchlint-json": JsonFormatter, "torchlint-sarif": SarifFormatter,
           "torchlint-github": GithubFormatter}
