"""The what-if page's server, through Starlette's test client: every endpoint, its answers
compared with what the commands print and write for the same scenario, and hostile input."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import socket
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budget_planner.cli import cli
from budget_planner.core.files import OutputExists, write_atomic
from budget_planner.core.model import InvalidInput
from budget_planner.engine.allocation import allocate
from budget_planner.engine.scenario import apply_scenario, load_scenario, load_scenario_text
from budget_planner.serve import workspace as workspace_module
from budget_planner.serve.app import MAX_BODY, create_app, host_check
from budget_planner.serve.workspace import Workspace
from budget_planner.views.allocation import allocation_json
from budget_planner.views.render import to_json

from tests.support.plans import ROOT, SEED_PLAN, TWO_LINES
from tests.support.workbooks import openpyxl_workbook

starlette_testclient = pytest.importorskip("starlette.testclient")

HOST, PORT = "127.0.0.1", 8765
BASE = f"http://{HOST}:{PORT}"
TOKEN = "test-token"
EC_CUT = (ROOT / "plans" / "scenarios" / "ec-cut-2014-2020.toml").read_text(encoding="utf-8")


def scenario_text(*caps: tuple[str, str | None, str], name: str = "Page") -> str:
    """A scenario file's text with these caps (source, period, amount as written)."""
    out = [f'name = "{name}"']
    for source, period, amount in caps:
        out += ["", "[[funding.caps]]", f'source = "{source}"']
        if period:
            out.append(f'period = "{period}"')
        out.append(f"amount = {amount}")
    return "\n".join(out) + "\n"


@pytest.fixture
def workspace(tmp_path) -> Workspace:
    return Workspace(SEED_PLAN, save_dir=tmp_path / "saves")


@pytest.fixture
def client(workspace):
    app = create_app(workspace, HOST, PORT, token=TOKEN)
    with starlette_testclient.TestClient(app, base_url=BASE) as opened:
        yield opened


def post(client, path: str, body, *, token: str | None = TOKEN, **options):
    headers = {} if token is None else {"X-CSRF-Token": token}
    headers.update(options.pop("headers", {}))
    if isinstance(body, (dict, list)):
        return client.post(path, content=json.dumps(body), headers=headers, **options)
    return client.post(path, content=body, headers=headers, **options)


def allocate_command(runner, tmp_path, text: str | None, file: str = "scenario.toml",
                     *more: str) -> tuple[int, str]:
    """`allocate SEED [--scenario MORE...] [--scenario FILE] --format json`: exit code and
    standard output, run in a folder holding FILE, a file named `file` holding `text` (so
    that it is named as the page names it)."""
    arguments = ["allocate", str(SEED_PLAN)]
    for path in more:
        arguments += ["--scenario", path]
    folder = tmp_path / "command"
    folder.mkdir(exist_ok=True)
    if text is not None:
        (folder / file).write_text(text, encoding="utf-8")
        arguments += ["--scenario", file]
    with contextlib.chdir(folder):
        result = runner.invoke(cli, [*arguments, "--format", "json"])
    return result.exit_code, result.stdout


# --- the page ---------------------------------------------------------------------------------

def test_the_page_carries_the_token_the_plan_and_safety_headers(client, workspace):
    response = client.get("/")
    assert response.status_code == 200
    html = response.text
    assert f'<meta name="csrf-token" content="{TOKEN}">' in html
    policy = response.headers["content-security-policy"]
    nonce = re.search(r"script-src 'nonce-([^']+)'", policy).group(1)
    assert f'<script nonce="{nonce}">' in html and f'<style nonce="{nonce}">' in html
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    # Nothing is loaded from elsewhere: no src or href leaves the page.
    assert not re.search(r"""(src|href)=["'](https?:)?//""", html)
    data = json.loads(re.search(r'<script type="application/json" id="page-data">(.*?)</script>',
                                html, re.S).group(1))
    assert data["baseline"] == allocation_json(workspace.baseline)
    assert data["eligible"]["EC|2014-2020"] == "25700000.00"  # EC's lines in 2014-2020
    assert data["eligible"]["EC|"] == "28150000.00"  # 1,150,000 + 1,300,000 + 25,700,000
    assert [source["id"] for source in data["sources"]] == ["STARDUST", "EC", "EU_SF",
                                                            "NATIONAL", "OTHER"]
    assert client.get("/", headers={"Host": "evil.example:8765"}).status_code == 400


def test_each_page_has_its_own_nonce_but_the_process_one_token(client):
    first, second = client.get("/"), client.get("/")
    assert first.headers["content-security-policy"] != second.headers["content-security-policy"]
    token = re.compile(r'name="csrf-token" content="([^"]+)"')
    assert token.search(first.text).group(1) == token.search(second.text).group(1) == TOKEN


def test_without_a_given_token_each_app_makes_its_own(workspace):
    tokens = set()
    for _ in range(2):
        with starlette_testclient.TestClient(create_app(workspace, HOST, PORT),
                                             base_url=BASE) as opened:
            tokens.add(re.search(r'name="csrf-token" content="([^"]+)"',
                                 opened.get("/").text).group(1))
    assert len(tokens) == 2 and all(len(token) >= 40 for token in tokens)


# --- POST /api/allocate: what `allocate --scenario FILE --format json` prints -----------------

def test_the_empty_scenario_is_the_baseline(client, runner, tmp_path):
    response = post(client, "/api/allocate", {"scenario": ""})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    code, printed = allocate_command(runner, tmp_path, None)
    assert code == 0 and response.text == printed


@pytest.mark.parametrize("text, file", [
    (scenario_text(("EC", "2014-2020", "9_600_000"), ("EU_SF", "2014-2020", "8_000_000"),
                   ("OTHER", "2014-2020", "5_000_000")), "what-if.toml"),
    (EC_CUT, "ec-cut.toml"),
    ((ROOT / "plans" / "scenarios" / "interreg-rates.toml").read_text(encoding="utf-8"),
     "scenario.toml"),
    ((ROOT / "plans" / "scenarios" / "whatif" / "smaller-2014-2020.toml").read_text(
        encoding="utf-8"), "smaller.toml"),
])
def test_a_scenario_answers_what_allocate_prints_for_it(client, runner, tmp_path, text, file):
    response = post(client, "/api/allocate", {"scenario": text, "file": file})
    assert response.status_code == 200
    code, printed = allocate_command(runner, tmp_path, text, file)
    assert code == 0 and response.text == printed


def test_conflicting_rules_answer_200_with_the_conflicts_allocate_gives(client, runner,
                                                                        tmp_path):
    text = """name = "Impossible"

[[funding.pledges]]
source = "EC"
period = "2014-2020"
line = "management"
amount = 150_000

[[funding.caps]]
source = "EC"
period = "2014-2020"
amount = 100_000
"""
    response = post(client, "/api/allocate", {"scenario": text})
    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "infeasible" and answer["conflicts"]
    code, printed = allocate_command(runner, tmp_path, text)
    assert code == 1 and response.text == printed


def test_the_numbers_move_as_a_cap_moves_on_the_two_line_plan(write, tmp_path):
    """Hand-solved: line a (1,000) may take EC or National, line b (500) EC only. With EC
    capped at 800 and National at 300 in 2020, at most 1,100 of the 1,500 can be paid: a gap
    of 400, every euro of both caps used, and one more euro of either closes one euro of gap.
    With EC at 1,100, 1,400 can be paid: a gap of 100."""
    plan = write("two.toml", TWO_LINES)
    loaded = Workspace(plan, save_dir=tmp_path)
    with starlette_testclient.TestClient(create_app(loaded, HOST, PORT, token=TOKEN),
                                         base_url=BASE) as opened:
        text = scenario_text(("EC", "2020", 800), ("NATIONAL", "2020", 300))
        answer = post(opened, "/api/allocate", {"scenario": text}).json()
        assert answer["objective"] == "400.00"
        totals: dict[str, Decimal] = {}
        for item in answer["allocations"]:
            source = item["source"]
            totals[source] = totals.get(source, Decimal(0)) + Decimal(item["amount"])
        assert totals == {"EC": Decimal(800), "NATIONAL": Decimal(300)}
        binding = {(use["source"], use["period"]): use["shadow_price"]
                   for use in answer["sources"] if use["binding"]}
        assert binding == {("EC", "2020"): "1.00", ("NATIONAL", "2020"): "1.00"}
        raised = post(opened, "/api/allocate", {
            "scenario": scenario_text(("EC", "2020", 1_100), ("NATIONAL", "2020", 300))}).json()
        assert raised["objective"] == "100.00"


HOSTILE_AMOUNTS = [
    ('"-1"', "money-negative"), ("-1", "money-negative"), ('"1e400"', "money-invalid"),
    ("1e400", "money-float"), ('"text"', "money-invalid"), ("true", "wrong-type"),
    ('"1000000000000000000"', "money-too-large"), ("1.5", "money-float"),
    ('"12.345"', "money-precision"), ('"NaN"', "money-invalid"), ("nan", "money-float"),
    ('""', "money-invalid"), ("[1]", "wrong-type"),
]


@pytest.mark.parametrize("amount, code", HOSTILE_AMOUNTS)
def test_a_hostile_cap_is_refused_with_its_problem_where_the_command_refuses_it(
        client, runner, tmp_path, amount, code):
    text = scenario_text(("EC", "2014-2020", amount))
    response = post(client, "/api/allocate", {"scenario": text, "file": "bad.toml"})
    assert response.status_code == 422
    problems = response.json()["problems"]
    assert [problem["code"] for problem in problems] == [code]
    problem = problems[0]
    assert problem["file"] == "bad.toml"
    assert problem["field"] == "funding.caps[0].amount" and problem["line"] == 6
    # The command refuses the same file with the same message.
    folder = tmp_path / "command"
    folder.mkdir()
    (folder / "bad.toml").write_text(text, encoding="utf-8")
    result = runner.invoke(cli, ["allocate", str(SEED_PLAN), "--scenario",
                                 str(folder / "bad.toml"), "--format", "json"])
    assert result.exit_code == 2 and problem["message"] in result.stderr


@pytest.mark.parametrize("text, code", [
    ("name = ", "toml-syntax"),
    ("[[funding.caps]]\nsource = 'EC'\namount = 1\n", "missing-field"),
    ('name = "x"\n[[funding.caps]]\nsource = "ECC"\namount = 1\n', "unknown-source"),
    ('name = "x"\n[[funding.shares]]\nsource = "EC"\nmin = "60%"\nmax = "40%"\n', "min-above-max"),
    ('name = "x"\n[[funding.shares]]\nsource = "EC"\nmax = "140%"\n', "share-range"),
    ('name = "x"\n' + "a." * 300 + "b = 1\n", "toml-too-deep"),
    ('name = "x"\nv = ' + "[" * 2000 + "]" * 2000 + "\n", "toml-too-deep"),
    ('name = "\ud800"\n', "not-utf8"),
    ('name = "x"\n[[lines.remove]]\nline = "nowhere"\n', "unknown-line"),
])
def test_an_invalid_scenario_gives_422_with_every_problem(client, text, code):
    response = post(client, "/api/allocate", {"scenario": text})
    assert response.status_code == 422
    codes = [problem["code"] for problem in response.json()["problems"]]
    assert code in codes


@pytest.mark.parametrize("body, code", [
    (b"not json", "json-invalid"),
    (b"\xff\xfe", "json-invalid"),
    (b"[" * 100_000 + b"]" * 100_000, "json-invalid"),
    (b'["scenario"]', "wrong-type"),
    (b'{"scenario": 12}', "wrong-type"),
    (b'{"scenario": null}', "wrong-type"),
    (b'{}', "missing-field"),
    (b'{"scenario": "", "path": "/etc/passwd"}', "unknown-key"),
    (b'{"scenario": "", "file": "../plans/x.toml"}', "file-name"),
    (b'{"scenario": "", "file": "/tmp/x.toml"}', "file-name"),
    (b'{"scenario": "", "file": ".hidden.toml"}', "file-name"),
    (b'{"scenario": "", "file": "x.txt"}', "file-name"),
    (b'{"scenario": "", "file": "a..toml"}', "file-name"),
])
def test_a_malformed_body_gives_422(client, body, code):
    response = post(client, "/api/allocate", body)
    assert response.status_code == 422
    assert code in [problem["code"] for problem in response.json()["problems"]]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amount=st.text(max_size=30), share=st.text(max_size=12), name=st.text(max_size=20),
       junk=st.text(max_size=80))
def test_nothing_the_page_can_send_breaks_the_server(client, amount, share, name, junk):
    """Whatever a field holds, the answer is figures (200) or problems (422), never an error."""
    text = (f"name = {json.dumps(name)}\n[[funding.caps]]\nsource = \"EC\"\n"
            f"period = \"2014-2020\"\namount = {json.dumps(amount)}\n[[funding.shares]]\n"
            f"source = \"NATIONAL\"\nmin = {json.dumps(share + '%')}\n")
    for scenario in (text, junk, text + junk):
        response = post(client, "/api/allocate", {"scenario": scenario})
        assert response.status_code in (200, 422), response.text
        if response.status_code == 422:
            assert all(problem["message"] for problem in response.json()["problems"])


def test_the_token_is_required_on_every_post(client):
    for path in ("/api/allocate", "/api/save", "/api/workbook", "/api/report", "/nowhere"):
        for token in (None, "", "wrong-token", TOKEN + "x"):
            response = post(client, path, {"scenario": ""}, token=token)
            assert response.status_code == 403, (path, token)
            assert response.json()["problems"][0]["code"] == "csrf-token"


def test_a_foreign_host_is_refused_before_anything_else(client):
    for host in ("evil.example:8765", "evil.example", "127.0.0.1:9999", "127.0.0.1",
                 "localhost.evil.example:8765", "", "127.0.0.1:8765.evil", "[::1]:8765"):
        response = post(client, "/api/allocate", {"scenario": ""}, headers={"Host": host})
        assert response.status_code == 400, host
        assert response.json()["problems"][0]["code"] == "host-refused"
    assert post(client, "/api/allocate", {"scenario": ""},
                headers={"Host": "localhost:8765"}).status_code == 200


def test_a_foreign_origin_is_refused(client):
    for origin in ("http://evil.example", "null", "http://127.0.0.1:9999"):
        response = post(client, "/api/allocate", {"scenario": ""}, headers={"Origin": origin})
        assert response.status_code == 403, origin
    assert post(client, "/api/allocate", {"scenario": ""},
                headers={"Origin": BASE}).status_code == 200


def test_a_body_above_1_mb_is_refused_with_413(client):
    ten_mb = json.dumps({"scenario": "#" * 10_000_000}).encode()
    response = post(client, "/api/allocate", ten_mb)
    assert response.status_code == 413
    assert response.json()["problems"][0]["code"] == "body-too-large"
    # Just within the limit is read (and is a valid, if odd, scenario).
    within = json.dumps({"scenario": 'name = "x"\n' + "#" * (MAX_BODY - 100)}).encode()
    assert len(within) <= MAX_BODY
    assert post(client, "/api/allocate", within).status_code == 200


def test_a_chunked_body_without_a_length_is_cut_off_at_1_mb(client):
    def chunks():
        yield b'{"scenario": "'
        for _ in range(2_000):
            yield b"#" * 1_000
        yield b'"}'

    response = post(client, "/api/allocate", chunks())
    assert response.status_code == 413


def test_a_lying_content_length_is_refused(client):
    response = post(client, "/api/allocate", b'{"scenario": ""}',
                    headers={"Content-Length": "99999999999"})
    assert response.status_code == 413


def test_wrong_methods_and_paths(client):
    assert client.get("/api/allocate").status_code == 405
    assert client.get("/nowhere").status_code == 404
    assert post(client, "/", {"scenario": ""}).status_code == 405
    assert client.get("/plans/bsr-stars-programme-c.toml").status_code == 404


# --- the prepared model is kept, and gives allocate's cents -----------------------------------

def test_a_cap_change_reuses_the_prepared_model(workspace, monkeypatch):
    made = []
    original = workspace_module.Prepared

    class Counted(original):  # type: ignore[misc, valid-type]
        def __init__(self, plan):
            made.append(plan)
            super().__init__(plan)

    monkeypatch.setattr(workspace_module, "Prepared", Counted)
    for amount in (20_000_000, 9_600_000, 0, 9_600_000):
        workspace.allocation(scenario_text(("EC", "2014-2020", amount)))
    # One model for the plan with the page's scenario file (conflicts name their files), made
    # at the first change and kept for every cap after it.
    assert len(made) == 1
    workspace.allocation("")
    assert len(made) == 1  # the baseline's, made at start, is kept too
    share = 'name = "x"\n[[funding.shares]]\nsource = "EC"\nmax = "50%"\n'
    workspace.allocation(share)
    workspace.allocation(share + scenario_text(("EC", "2014-2020", 1_000_000), name="y")[10:])
    assert len(made) == 2  # a new share rule: one new model, kept for the caps after it


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ec=st.integers(0, 26_000_000), eu_sf=st.integers(0, 9_000_000),
       other=st.one_of(st.none(), st.integers(0, 6_000_000)), cents=st.integers(0, 99),
       share=st.one_of(st.none(), st.integers(0, 100)))
def test_every_answer_is_allocate_to_the_cent(workspace, ec, eu_sf, other, cents, share):
    caps = [("EC", "2014-2020", f'"{ec}.{cents:02d}"'), ("EU_SF", "2014-2020", eu_sf)]
    if other is not None:
        caps.append(("OTHER", None, other))
    text = scenario_text(*caps)
    if share is not None:
        text += f'\n[[funding.shares]]\nsource = "EU_SF"\nperiod = "2014-2020"\nmax = "{share}%"\n'
    answer = workspace.allocation(text)
    scenario, problems = load_scenario_text(text, "scenario.toml", workspace.base)
    assert problems == []
    fresh = allocate(apply_scenario(workspace.base, scenario))
    assert answer == fresh
    assert sum((gap.amount for gap in answer.gaps), Decimal(0)) == answer.objective


def test_a_scenario_s_text_reads_as_the_file_does(tmp_path, workspace):
    path = tmp_path / "ec-cut.toml"
    path.write_text(EC_CUT, encoding="utf-8")
    from_file = load_scenario(path, workspace.base)[0]
    from_text = load_scenario_text(EC_CUT, "ec-cut.toml", workspace.base)[0]
    assert from_text is not None and from_file is not None
    assert from_text.funding == from_file.funding
    assert [cap.origin for cap in from_text.funding.caps] == \
        [cap.origin for cap in from_file.funding.caps] == \
        [f"ec-cut.toml: funding.caps[{number}]" for number in range(3)]


# --- saving ---------------------------------------------------------------------------------

def test_save_writes_the_scenario_that_allocate_reproduces(client, workspace, runner, tmp_path):
    text = "# from the page\n" + scenario_text(("EC", "2014-2020", "9_600_000"),
                                                ("EU_SF", "2014-2020", 8_000_000))
    assert not workspace.save_dir.exists()
    response = post(client, "/api/save", {"scenario": text, "file": "meeting.toml"})
    assert response.status_code == 201
    saved = Path(response.json()["saved"])
    assert saved == workspace.save_dir / "meeting.toml"
    assert saved.read_text(encoding="utf-8") == text
    page = post(client, "/api/allocate", {"scenario": text, "file": "meeting.toml"}).text
    result = runner.invoke(cli, ["allocate", str(SEED_PLAN), "--scenario", str(saved),
                                 "--format", "json"])
    assert result.exit_code == 0 and result.stdout == page
    assert [path.name for path in saved.parent.iterdir()] == ["meeting.toml"]  # no temp left


def test_save_never_overwrites_without_being_asked(client, workspace):
    first = scenario_text(("EC", "2014-2020", 1), name="First")
    second = scenario_text(("EC", "2014-2020", 2), name="Second")
    assert post(client, "/api/save", {"scenario": first, "file": "x.toml"}).status_code == 201
    response = post(client, "/api/save", {"scenario": second, "file": "x.toml"})
    assert response.status_code == 409
    assert response.json()["exists"] == str(workspace.save_dir / "x.toml")
    assert (workspace.save_dir / "x.toml").read_text(encoding="utf-8") == first
    response = post(client, "/api/save", {"scenario": second, "file": "x.toml",
                                          "overwrite": True})
    assert response.status_code == 201
    assert (workspace.save_dir / "x.toml").read_text(encoding="utf-8") == second


def test_save_refuses_invalid_scenarios_names_and_input_files(client, workspace, tmp_path):
    bad = scenario_text(("EC", "2014-2020", '"-1"'))
    response = post(client, "/api/save", {"scenario": bad, "file": "bad.toml"})
    assert response.status_code == 422 and not workspace.save_dir.exists()
    assert post(client, "/api/save", {"scenario": "", "file": "empty.toml"}).status_code == 422
    for name in ("../escape.toml", "sub/x.toml", "x", ".x.toml", "x.toml/", "~x.toml"):
        response = post(client, "/api/save", {"scenario": scenario_text(), "file": name})
        assert response.status_code == 422, name
    assert not workspace.save_dir.exists() and not (tmp_path / "escape.toml").exists()


def test_save_never_writes_the_plan_even_when_asked_to(tmp_path, write):
    plan = write("plan.toml", TWO_LINES)
    before = hashlib.sha256(plan.read_bytes()).hexdigest()
    loaded = Workspace(plan, save_dir=tmp_path)  # the plan's own folder
    link = tmp_path / "link.toml"
    link.symlink_to(plan)
    with starlette_testclient.TestClient(create_app(loaded, HOST, PORT, token=TOKEN),
                                         base_url=BASE) as opened:
        for name in ("plan.toml", "link.toml"):
            response = post(opened, "/api/save", {"scenario": scenario_text(), "file": name,
                                                  "overwrite": True})
            assert response.status_code == 422
            assert response.json()["problems"][0]["code"] == "input-file"
    assert hashlib.sha256(plan.read_bytes()).hexdigest() == before


def test_write_atomic_without_replace_leaves_an_existing_file(tmp_path):
    path = tmp_path / "kept.toml"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(OutputExists):
        write_atomic(path, "new", replace=False)
    assert path.read_text(encoding="utf-8") == "old"
    write_atomic(tmp_path / "new.toml", "new", replace=False)
    assert (tmp_path / "new.toml").read_text(encoding="utf-8") == "new"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["kept.toml", "new.toml"]


# --- downloads: the bytes `build` and `report` write ----------------------------------------

PAGE_CHANGE = scenario_text(("EC", "2014-2020", 9_600_000), ("EU_SF", "2014-2020", 8_000_000),
                            name="Meeting")


def command_bytes(runner, command: str, scenarios: list[Path], out: Path) -> bytes:
    arguments = [command, str(SEED_PLAN)]
    for path in scenarios:
        arguments += ["--scenario", str(path)]
    result = runner.invoke(cli, [*arguments, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_bytes()


@pytest.mark.parametrize("command, path", [("build", "/api/workbook"), ("report", "/api/report")])
def test_downloads_are_the_bytes_the_commands_write(client, runner, tmp_path, command, path):
    suffix = ".xlsx" if command == "build" else ".html"
    baseline = post(client, path, {"scenario": ""})
    assert baseline.status_code == 200
    assert baseline.headers["content-disposition"] == \
        f'attachment; filename="bsr-stars-programme-c{suffix}"'
    assert baseline.content == command_bytes(runner, command, [], tmp_path / f"base{suffix}")
    # An unsaved scenario: as the command writes with a file of that name and text.
    page = post(client, path, {"scenario": PAGE_CHANGE, "file": "meeting.toml"})
    assert page.headers["content-disposition"] == \
        f'attachment; filename="bsr-stars-programme-c-meeting{suffix}"'
    (tmp_path / "elsewhere").mkdir()
    written = tmp_path / "elsewhere" / "meeting.toml"
    written.write_text(PAGE_CHANGE, encoding="utf-8")
    assert page.content == command_bytes(runner, command, [written], tmp_path / f"page{suffix}")
    assert page.content != baseline.content


def test_a_saved_scenario_downloads_as_the_command_names_it(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    loaded = Workspace(SEED_PLAN, save_dir=Path("saves"))
    with starlette_testclient.TestClient(create_app(loaded, HOST, PORT, token=TOKEN),
                                         base_url=BASE) as opened:
        body = {"scenario": PAGE_CHANGE, "file": "meeting.toml"}
        assert post(opened, "/api/save", body).json()["saved"] == "saves/meeting.toml"
        workbook = post(opened, "/api/workbook", body).content
    assert workbook == command_bytes(runner, "build", [Path("saves/meeting.toml")],
                                     tmp_path / "out.xlsx")
    (tmp_path / "download.xlsx").write_bytes(workbook)
    about = openpyxl_workbook(tmp_path / "download.xlsx")["About"]
    scenario = next(row[1] for row in about.iter_rows(values_only=True) if row[0] == "Scenario")
    digest = hashlib.sha256(PAGE_CHANGE.encode()).hexdigest()
    assert scenario == f"saves/meeting.toml  (sha256:{digest})"


def test_downloads_of_an_invalid_scenario_are_refused(client):
    response = post(client, "/api/workbook", {"scenario": scenario_text(("EC", None, '"x"'))})
    assert response.status_code == 422


# --- scenarios given at start: the page's baseline --------------------------------------------

def test_start_scenarios_make_the_baseline_and_come_before_the_page_s(runner, tmp_path):
    base = tmp_path / "ec-cut.toml"
    base.write_text(EC_CUT, encoding="utf-8")
    loaded = Workspace(SEED_PLAN, [base], save_dir=tmp_path / "saves")
    assert loaded.baseline.objective == Decimal("3800000.00")  # as the what-if docs show
    change = scenario_text(("NATIONAL", "2014-2020", 1_000_000))
    answer = to_json(allocation_json(loaded.allocation(change)))
    code, printed = allocate_command(runner, tmp_path, change, "scenario.toml", str(base))
    assert code == 0 and answer == printed


def test_a_bad_start_scenario_gives_every_problem(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[[funding.caps]]\nsource = "ECC"\namount = "-1"\n',
                   encoding="utf-8")
    with pytest.raises(InvalidInput) as refused:
        Workspace(SEED_PLAN, [bad])
    assert sorted(problem.code for problem in refused.value.problems) == \
        ["money-negative", "unknown-source"]


# --- the Host check and the command ---------------------------------------------------------

def test_the_host_check_knows_loopback_and_wildcard_addresses():
    loopback = host_check("127.0.0.1", 8765)
    assert loopback("127.0.0.1:8765") and loopback("localhost:8765") and loopback("LOCALHOST:8765")
    for header in ("127.0.0.1:8766", "127.0.0.1", "evil.example:8765", "127.0.0.2:8765",
                   "127.0.0.1:x", "", "user@127.0.0.1:8765x"):
        assert not loopback(header), header
    six = host_check("::1", 80)
    assert six("[::1]:80") and six("localhost:80") and not six("[::2]:80")
    everywhere = host_check("0.0.0.0", 8765)
    assert everywhere("192.168.1.20:8765") and everywhere("[fe80::1]:8765")
    assert everywhere(f"{socket.gethostname()}:8765")
    assert not everywhere("evil.example:8765") and not everywhere("192.168.1.20:1")
    named = host_check("10.1.2.3", 8765)
    assert named("10.1.2.3:8765") and not named("localhost:8765")


def test_serve_refuses_a_port_in_use(runner, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(cli, ["serve", str(SEED_PLAN), "--port", str(port),
                                     "--save-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert f"127.0.0.1:{port}: cannot listen" in result.stderr
    assert "choose another port with --port" in result.stderr


def test_serve_refuses_an_invalid_plan_before_listening(runner, write):
    plan = write("bad.toml", TWO_LINES.replace("amount = 500", "amount = 500.5"))
    result = runner.invoke(cli, ["serve", str(plan), "--port", "0"])
    assert result.exit_code == 2 and "money-float" in result.stderr


def test_serve_warns_when_listening_beyond_this_machine(runner, tmp_path, monkeypatch):
    started = []
    def run(workspace, sock, host, on_start):
        started.append(host)
        sock.close()

    monkeypatch.setattr("budget_planner.serve.app.run", run)
    result = runner.invoke(cli, ["serve", str(SEED_PLAN), "--host", "0.0.0.0", "--port", "0",
                                 "--save-dir", str(tmp_path)])
    assert result.exit_code == 0 and started == ["0.0.0.0"]
    assert "warning: listening on 0.0.0.0" in result.stderr
    result = runner.invoke(cli, ["serve", str(SEED_PLAN), "--port", "0",
                                 "--save-dir", str(tmp_path)])
    assert "warning" not in result.stderr and started == ["0.0.0.0", "127.0.0.1"]


def test_the_default_save_folder_is_beside_the_plan(write):
    plan = write("plans/p.toml", TWO_LINES)
    assert Workspace(plan).save_dir == plan.parent / "scenarios"


def test_serve_help_imports_no_web_framework():
    code = ("import sys; from budget_planner.cli import cli\n"
            "try:\n    cli(['serve', '--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('starlette', 'uvicorn', 'anyio', 'highspy', 'pandas') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert "--save-dir" in out and out.strip().endswith("[]")
