"""The JSON layout every command writes: any value reads back as itself, and records of an
array take one line each."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from budget_planner.views.render import to_json

plain = st.none() | st.booleans() | st.integers() | st.text()
values = st.recursive(plain, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(), inner, max_size=4), max_leaves=20)


@given(values)
def test_any_value_reads_back_as_itself(value):
    text = to_json(value)
    assert json.loads(text) == value
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_records_take_one_line_and_containers_are_indented():
    data = {"status": "optimal", "files": ["a.toml", "b.toml"],
            "allocations": [{"line": "L1", "amount": "1.00", "note": 'say "hi"\n'},
                            {"line": "L2", "amount": "2.00", "nested": {"x": 1}}],
            "empty": {}, "none": []}
    assert to_json(data) == """{
  "status": "optimal",
  "files": ["a.toml", "b.toml"],
  "allocations": [
    {"line": "L1", "amount": "1.00", "note": "say \\"hi\\"\\n"},
    {
      "line": "L2",
      "amount": "2.00",
      "nested": {
        "x": 1
      }
    }
  ],
  "empty": {},
  "none": []
}
"""


def test_text_outside_ascii_is_kept_readable():
    assert to_json([{"name": "Łódź €"}]) == '[\n  {"name": "Łódź €"}\n]\n'
