"""The command line: exit codes, formats, and that each view renders the library's result."""

import json
import subprocess
import sys

from budget_planner import load_plan, reconcile
from budget_planner.cli import cli
from budget_planner.views.render import check_json, show_json

from tests.support.plans import ROOT, SEED_PLAN, SMALL_PLAN


def test_check_on_the_shipped_plan_by_default(runner):
    result = runner.invoke(cli, ["check"])
    assert result.exit_code == 0, result.output
    assert "30,150,000.00" in result.output
    assert "Findings: 0 errors, 3 warnings, 1 info" in result.output


def test_check_json_is_exactly_the_library_result(runner):
    result = runner.invoke(cli, ["check", str(SEED_PLAN), "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    plan, _ = load_plan(SEED_PLAN)
    assert data == check_json(reconcile(plan))
    assert data["ok"] is True
    assert data["totals"]["programme"] == {"stated": "30150000.00", "computed": "30150000.00",
                                           "difference": "0.00"}
    assert [p["stated"] for p in data["totals"]["periods"]] == [
        "1850000.00", "1900000.00", "26400000.00"]
    assert {f["code"] for f in data["findings"]} == {
        "line-without-amount", "line-without-source", "unfunded-total"}


def test_check_strict_turns_warnings_into_exit_1(runner):
    assert runner.invoke(cli, ["check", str(SEED_PLAN), "--strict"]).exit_code == 1


def test_check_exit_1_on_a_mismatch(runner, write):
    path = write("p.toml", SMALL_PLAN.replace("total = 600", "total = 650"))
    result = runner.invoke(cli, ["check", str(path)])
    assert result.exit_code == 1
    assert "MISMATCH" in result.output and "-50.00" in result.output


def test_check_markdown(runner):
    result = runner.invoke(cli, ["check", str(SEED_PLAN), "--format", "markdown"])
    assert result.exit_code == 0
    assert "| 2014-2020 | 26,400,000.00 | 26,400,000.00 | 0.00 | OK |" in result.output


def test_invalid_plan_exit_2_with_every_problem_and_no_traceback(runner, write):
    path = write("bad.toml", SMALL_PLAN.replace("amount = 400", "amount = 400.0", 1)
                 .replace('sources = ["NATIONAL"]', 'sources = ["NATIONL"]'))
    result = runner.invoke(cli, ["check", str(path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"{path}:25: periods[0].lines[0].amount:" in result.output
    assert f"{path}:32: periods[0].lines[1].sources[0]:" in result.output
    assert "2 problems in the input" in result.output


def test_output_file_is_written_and_a_failed_run_leaves_it(runner, write, tmp_path):
    out = tmp_path / "check.json"
    assert runner.invoke(cli, ["check", str(SEED_PLAN), "--format", "json", "-o", str(out)]).exit_code == 0
    before = out.read_bytes()
    bad = write("bad.toml", "[programme\n")
    assert runner.invoke(cli, ["check", str(bad), "--format", "json", "-o", str(out)]).exit_code == 2
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml", "check.json"]


def test_output_into_a_missing_folder_is_exit_2(runner, tmp_path):
    result = runner.invoke(cli, ["check", str(SEED_PLAN), "-o", str(tmp_path / "no" / "x.txt")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_show_json_and_csv(runner):
    result = runner.invoke(cli, ["show", str(SEED_PLAN), "--format", "json"])
    data = json.loads(result.output)
    plan, _ = load_plan(SEED_PLAN)
    assert data == show_json(plan)
    assert [s["name"] for s in data["sources"]] == ["STARDUST", "EC", "EU SF", "National", "Other"]
    assert len(data["lines"]) == 24
    assert data["lines"][3] | {"activity": ""} == {
        "period": "2010-2011", "id": "matchmaking-mobility", "activity": "", "amount": "500000.00",
        "sources": ["EC", "NATIONAL", "OTHER"], "notes": "", "source_notes": {"OTHER": "(NCM?)"}}
    csv_lines = runner.invoke(cli, ["show", str(SEED_PLAN), "--format", "csv"]).output.splitlines()
    assert csv_lines[0] == "period,id,activity,amount,STARDUST,EC,EU SF,National,Other,notes"
    assert csv_lines[4] == ("2010-2011,matchmaking-mobility,"
                            '"Matchmaking and mobility initiatives, workshops",500000.00,,x,,x,'
                            "x (NCM?),")
    assert csv_lines[5].startswith("2010-2011,financing-map,") and ",,,,,,," in csv_lines[5]


def test_csv_keeps_formula_looking_text_as_text(runner, write):
    path = write("p.toml", SMALL_PLAN.replace('"Activity A"', '"=HYPERLINK(1)"'))
    result = runner.invoke(cli, ["show", str(path), "--format", "csv"])
    assert "'=HYPERLINK(1)" in result.output


def test_help_does_not_import_heavy_libraries():
    code = ("import sys; from budget_planner.cli import cli\n"
            "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('pandas', 'pulp', 'openpyxl', 'xlsxwriter', 'numpy') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert out.strip().endswith("[]")


def test_python_dash_m_runs_the_cli():
    done = subprocess.run([sys.executable, "-m", "budget_planner", "check", str(SEED_PLAN),
                           "--format", "json"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0 and json.loads(done.stdout)["ok"] is True
