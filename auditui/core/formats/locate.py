"""Where a finding points in the repository, for formats that annotate files."""

from __future__ import annotations


def finding_location(change, finding) -> tuple[str, int] | None:
    """(path, line) of the file a finding is about: the file it names, else where the
    change lands for its model, else where the change lands at all."""
    anchor = change.anchor(finding.model)
    if finding.file:
        line = anchor[1] if anchor and anchor[0] == finding.file else 1
        return finding.file, line
    return anchor
