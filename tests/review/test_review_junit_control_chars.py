"""Review: JUnit output is not well-formed XML when a subject (or a config value)
holds a control character such as an ANSI escape; CI parsers reject the whole file."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from auditui.core.formats import render
from tests.helpers.repo import RepoBuilder, audit


def test_junit_with_escape_in_subject_parses(repo: RepoBuilder):
    repo.start({"models/a.yaml": "name: x\n"})
    base = repo.head()
    repo.commit("colour \x1b[31mred\x1b[0m", {"models/a.yaml": 'name: "bell \\a here"\n'})
    xml = render(audit(repo, base), "junit")
    ET.fromstring(xml.encode())  # raises ParseError now
