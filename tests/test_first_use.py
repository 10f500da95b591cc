"""What a newcomer meets first, through the real command line: which plan is read without
PLAN, `init`, a scenario given as the plan, one mistake reported once, --strict saying why,
outputs named for what they hold, and a CSV that adds up."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest

from budget_planner.cli import cli

from tests.support.plans import ROOT, SEED_PLAN, SMALL_PLAN

SHIPPED_NOTICE = "using the shipped plan plans/bsr-stars-programme-c.toml"
SCENARIO = ROOT / "plans" / "scenarios" / "ec-cut-2014-2020.toml"


@pytest.fixture
def empty(tmp_path, monkeypatch):
    """An empty current folder."""
    folder = tmp_path / "empty"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


# --- the plan read without PLAN ---------------------------------------------------------------

def test_an_empty_folder_reads_the_shipped_plan_and_says_so_once(runner, empty):
    result = runner.invoke(cli, ["whatif", "plans/scenarios/ec-cut-2014-2020.toml"])
    assert result.exit_code == 0, result.output
    assert result.stderr.count(SHIPPED_NOTICE) == 1
    assert result.stderr.count("using the shipped file plans/scenarios/ec-cut-2014-2020.toml") == 1
    # The seed's 2014-2020 gap of 700,000.00 becomes 3,800,000.00 with the EC cut (as the
    # whatif page of docs/reports.md shows).
    assert "  2014-2020              700,000.00   3,800,000.00   +3,100,000.00" in result.stdout
    result = runner.invoke(cli, ["build"])
    assert result.exit_code == 0, result.output
    assert (empty / "output" / "bsr-stars-programme-c.xlsx").is_file()
    assert "wrote output/bsr-stars-programme-c.xlsx" in result.stderr


def test_the_folders_plan_toml_comes_first_then_plans_then_the_shipped_plan(runner, empty):
    (empty / "plans").mkdir()
    (empty / "plans" / "bsr-stars-programme-c.toml").write_text(
        SMALL_PLAN.replace("Small programme", "From plans/"))
    result = runner.invoke(cli, ["check"])
    assert result.exit_code == 0
    assert result.stdout.startswith("From plans/ (bsr-stars-programme-c), amounts in EUR")
    assert result.stderr == ""
    (empty / "plan.toml").write_text(SMALL_PLAN.replace("Small programme", "From plan.toml"))
    result = runner.invoke(cli, ["check"])
    assert result.exit_code == 0
    assert result.stdout.startswith("From plan.toml (plan), amounts in EUR")
    assert result.stderr == ""


def test_a_path_that_exists_is_read_as_given_even_under_plans(runner, empty):
    (empty / "plans" / "scenarios").mkdir(parents=True)
    own = empty / "plans" / "scenarios" / "ec-cut-2014-2020.toml"
    own.write_text('name = "Mine"\n[[funding.caps]]\nsource = "EC"\namount = 0\n')
    result = runner.invoke(cli, ["allocate", str(SEED_PLAN), "--scenario",
                                 "plans/scenarios/ec-cut-2014-2020.toml", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "using the shipped" not in result.stderr
    assert '"source": "EC", "period": null, "cap": "0.00", "allocated": "0.00"' in result.stdout


def test_a_missing_file_outside_plans_is_still_missing(runner, empty):
    result = runner.invoke(cli, ["check", "bsr-stars-programme-c.toml"])
    assert result.exit_code == 2
    assert "bsr-stars-programme-c.toml: no such file [file-not-found]" in result.stderr


# --- init -------------------------------------------------------------------------------------

def test_init_starts_a_folder_whose_plan_the_commands_read(runner, empty, monkeypatch):
    result = runner.invoke(cli, ["init", "budget"])
    assert result.exit_code == 0, result.output
    folder = empty / "budget"
    assert sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*")) == [
        "output", "plan.toml", "scenarios", "scenarios/example.toml"]
    assert (folder / "plan.toml").read_bytes() == \
        (ROOT / "plans" / "starter" / "plan.toml").read_bytes()
    assert "Next: cd budget && budget-planner check" in result.stderr
    monkeypatch.chdir(folder)
    result = runner.invoke(cli, ["check"])
    # The starter plan: 600,000 + 400,000, each period adding up, nothing to warn about.
    assert result.exit_code == 0 and result.stderr == ""
    assert "programme  1,000,000.00  1,000,000.00        0.00  OK" in result.stdout
    assert "Findings: 0 errors, 0 warnings, 0 info" in result.stdout
    # By hand: EU at most 80 % of a line and 700,000 in all, used first: coordination 160,000,
    # pilots 320,000, dissemination 220,000 (what is left); National pays the rest.
    result = runner.invoke(cli, ["allocate", "--format", "csv"])
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout)))[1:]
    assert [(row[1], row[2], row[3]) for row in rows] == [
        ("coordination", "EU", "160000.00"), ("coordination", "NATIONAL", "40000.00"),
        ("pilots", "EU", "320000.00"), ("pilots", "NATIONAL", "80000.00"),
        ("dissemination", "EU", "220000.00"), ("dissemination", "NATIONAL", "80000.00"),
        ("evaluation", "NATIONAL", "100000.00")]
    # The example scenario caps EU at 500,000 and National at 400,000: 100,000 unfunded.
    result = runner.invoke(cli, ["whatif", "scenarios/example.toml", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"unfunded": "100000.00"' in result.stdout
    result = runner.invoke(cli, ["build"])
    assert result.exit_code == 0 and (folder / "output" / "plan.xlsx").is_file()


def test_init_from_seed_copies_the_seed_plan(runner, empty):
    result = runner.invoke(cli, ["init", "--from-seed"])
    assert result.exit_code == 0, result.output
    assert (empty / "plan.toml").read_bytes() == SEED_PLAN.read_bytes()
    assert (empty / "scenarios" / "example.toml").read_bytes() == SCENARIO.read_bytes()
    result = runner.invoke(cli, ["check"])
    assert result.exit_code == 0 and "30,150,000.00" in result.stdout and result.stderr == ""


def test_init_never_overwrites_and_changes_nothing_when_refused(runner, empty):
    (empty / "scenarios").mkdir()
    (empty / "scenarios" / "example.toml").write_text("mine")
    result = runner.invoke(cli, ["init"])
    assert result.exit_code == 2
    assert "scenarios/example.toml: already exists; init never overwrites a file" in \
        result.stderr
    assert sorted(path.name for path in empty.rglob("*")) == ["example.toml", "scenarios"]
    assert (empty / "scenarios" / "example.toml").read_text() == "mine"
    (empty / "file").write_text("")
    result = runner.invoke(cli, ["init", "file"])
    assert result.exit_code == 2 and "file: is a file, where init needs a folder" in result.stderr


# --- mistakes reported once, and where they are -----------------------------------------------

def test_one_mistake_in_a_record_is_not_reported_again_where_rules_name_it(runner, write):
    plan = write("plan.toml", SMALL_PLAN.replace('title = "First"', 'titel = "First"')
                 .replace('id = "NATIONAL"\nname = "National"', 'id = "NATIONAL"\nnmae = "N"')
                 .replace('activity = "Activity C"', 'activity = "Activity C"\nnotes = 1') + """
[[funding.caps]]
source = "NATIONAL"
period = "2020-2021"
amount = 500

[[funding.pledges]]
source = "EC"
line = "c"
amount = 100
""")
    result = runner.invoke(cli, ["check", str(plan)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "3 problems in the input:",
        f"  {plan}:13: sources[1].nmae: unknown key 'nmae' in a funding source; did you mean "
        "'name'? [unknown-key]",
        f"  {plan}:17: periods[0].titel: unknown key 'titel' in a period; did you mean "
        "'title'? [unknown-key]",
        f"  {plan}:44: periods[1].lines[0].notes: expected a string, found an integer "
        "[wrong-type]"]


def test_a_rule_naming_a_period_that_is_not_there_is_still_reported(runner, write):
    plan = write("plan.toml", SMALL_PLAN.replace('title = "First"', 'titel = "First"') + """
[[funding.caps]]
source = "NATIONAL"
period = "2023"
amount = 500
""")
    result = runner.invoke(cli, ["check", str(plan)])
    assert result.exit_code == 2
    assert "funding.caps[0].period: unknown period '2023'; did you mean '2022'? " \
           "(periods: 2020-2021, 2022) [unknown-period]" in result.stderr


def test_a_scenario_given_as_the_plan_says_so(runner):
    result = runner.invoke(cli, ["allocate", str(SCENARIO)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "1 problem in the input:",
        f"  {SCENARIO}: this is a scenario file, not a plan; use --scenario {SCENARIO} "
        "[scenario-as-plan]"]


# --- --strict says why ------------------------------------------------------------------------

def test_strict_says_which_warnings_and_gaps_made_it_fail(runner):
    result = runner.invoke(cli, ["check", str(SEED_PLAN), "--strict"])
    assert result.exit_code == 1
    assert result.stderr == ("--strict: 3 warnings count as errors: line-without-amount (1), "
                             "line-without-source (2)\n")
    result = runner.invoke(cli, ["allocate", str(SEED_PLAN), "--strict"])
    assert result.exit_code == 1
    assert result.stderr == ("--strict: 2 lines keep a gap, 700,000.00 in all: "
                             "2014-2020/collaboration-events (500,000.00), "
                             "2014-2020/project-selection (200,000.00)\n")
    result = runner.invoke(cli, ["check", str(ROOT / "plans" / "starter" / "plan.toml"),
                                 "--strict"])
    assert result.exit_code == 0 and result.stderr == ""


def test_progress_strict_says_which_warnings_count(runner):
    # The illustrative actuals, as docs/actuals.md shows them: two overspends within the
    # flexibility and one duplicate expense are the warnings among the findings.
    arguments = ["progress", str(SEED_PLAN), "--actuals",
                 str(ROOT / "plans" / "actuals" / "bsr-stars-illustrative.csv"),
                 "--as-of", "2016-06-30"]
    findings = json.loads(runner.invoke(cli, [*arguments, "--format", "json"]).stdout)["findings"]
    assert sorted(f["code"] for f in findings if f["severity"] == "warning") == [
        "duplicate-expense", "overspend-within-flexibility", "overspend-within-flexibility"]
    result = runner.invoke(cli, [*arguments, "--strict"])
    assert result.exit_code == 1
    assert result.stderr.endswith("--strict: 3 warnings count as errors: "
                                  "overspend-within-flexibility (2), duplicate-expense (1)\n")


def test_phasing_strict_says_which_warnings_count(runner):
    # The illustrative commitments as of 2019: EU_SF commits more than the allocation gives it,
    # the one warning among the findings (docs/phasing.md).
    arguments = ["phasing", str(SEED_PLAN), "--scenario",
                 str(ROOT / "plans" / "scenarios" / "phasing" / "n-plus-n.toml"),
                 "--as-of", "2019-12-31"]
    findings = json.loads(runner.invoke(cli, [*arguments, "--format", "json"]).stdout)["findings"]
    assert [f["code"] for f in findings if f["severity"] == "warning"] == [
        "commitment-exceeds-allocation"]
    result = runner.invoke(cli, [*arguments, "--strict"])
    assert result.exit_code == 1
    assert result.stderr.endswith("--strict: 1 warning counts as an error: "
                                  "commitment-exceeds-allocation (1)\n")


# --- the CSV adds up --------------------------------------------------------------------------

def test_the_allocation_csv_adds_up_to_the_plan_with_its_gap_rows(runner):
    result = runner.invoke(cli, ["allocate", str(SEED_PLAN), "--format", "csv"])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    # The seed plan's lines with an amount: 30,150,000 in all (the programme total).
    assert sum(Decimal(row["amount"]) for row in rows) == Decimal("30150000.00")
    gaps = [row for row in rows if row["source"] == "(unfunded)"]
    assert [(row["period"], row["line"], row["amount"], row["reason"]) for row in gaps] == [
        ("2014-2020", "collaboration-events", "500000.00", "no eligible source marked"),
        ("2014-2020", "project-selection", "200000.00", "no eligible source marked")]
    # In plan order: a gap row where its line is.
    lines = [row["line"] for row in rows]
    at = lines.index("collaboration-events")
    assert lines[at - 1] != "collaboration-events" and lines[at + 1] != "collaboration-events"


# --- outputs named for what they hold ---------------------------------------------------------

@pytest.mark.parametrize(("command", "output", "message"), [
    (["build"], "x.csv", "x.csv: the output is an Excel workbook; give it a name ending in .xlsx"),
    (["build"], "x", "x: the output is an Excel workbook; give it a name ending in .xlsx"),
    (["report"], "r.md", "r.md: the output is an HTML page; give it a name ending in .html"),
    (["report", "--format", "markdown"], "r.htm",
     "r.htm: the output is Markdown, not an HTML page; give it a name that does not end in .htm"),
    (["whatif", str(SCENARIO), "--format", "html"], "w.txt",
     "w.txt: the output is an HTML page; give it a name ending in .html"),
    (["whatif", str(SCENARIO)], "w.html",
     "w.html: the output is text, not an HTML page; give it a name that does not end in .html"),
    (["progress", "--actuals", "plans/actuals/bsr-stars-illustrative.csv"], "p.html",
     "p.html: the output is text, not an HTML page; give it a name that does not end in .html"),
    (["phasing"], "y.xlsx",
     "y.xlsx: the output is text, not an Excel workbook; give it a name that does not end in "
     ".xlsx"),
    (["sweep", "--vary", "cap.EC=0:1:1"], "s.xlsx",
     "s.xlsx: the output is CSV, not an Excel workbook; give it a name that does not end in .xlsx"),
])
def test_an_output_named_for_another_kind_of_file_is_refused(runner, empty, command, output,
                                                             message):
    (empty / output).write_text("before")
    result = runner.invoke(cli, [*command, "-o", output])
    assert result.exit_code == 2
    assert result.stderr.endswith(f"error: {message} [output-misnamed]\n")
    assert (empty / output).read_text() == "before"
    assert not (empty / "output").exists()


@pytest.mark.parametrize(("output", "suffix"), [("r.html", ".html"), ("R.HTM", ".HTM")])
def test_an_html_report_takes_either_html_name(runner, empty, output, suffix):
    result = runner.invoke(cli, ["report", str(SEED_PLAN), "-o", output])
    assert result.exit_code == 0, result.output
    assert (empty / output).read_text().startswith("<!DOCTYPE html>")


def test_a_scenarios_outputs_do_not_replace_the_plans_own(runner, empty):
    seed = ["plans/bsr-stars-programme-c.toml"]
    cut = ["--scenario", "plans/scenarios/ec-cut-2014-2020.toml"]
    rates = ["--scenario", "plans/scenarios/interreg-rates.toml"]
    for arguments in (["build", *seed], ["build", *seed, *cut],
                      ["report", *seed, *cut, *rates], ["report", *seed, "--format", "markdown"]):
        result = runner.invoke(cli, arguments)
        assert result.exit_code == 0, result.output
    assert sorted(path.name for path in (empty / "output").iterdir()) == [
        "bsr-stars-programme-c--ec-cut-2014-2020--interreg-rates.html",
        "bsr-stars-programme-c--ec-cut-2014-2020.xlsx",
        "bsr-stars-programme-c.md",
        "bsr-stars-programme-c.xlsx"]
    result = runner.invoke(cli, ["sweep", *seed, *cut, "--vary", "cap.EC=0:1:1"])
    assert result.exit_code == 0, result.output
    assert (empty / "output" / "bsr-stars-programme-c--ec-cut-2014-2020-sweep.csv").is_file()
    assert (empty / "output" / "bsr-stars-programme-c--ec-cut-2014-2020-sweep.svg").is_file()
