"""lexicon.scan: what a project module's text says, without parsing it."""
from torchlint.facts import lexicon


def test_backward_call_as_written_in_code():
    trains = [b"loss.backward()", b"backward (x)", b"self.manual_backward(loss)",
              b"x = 1\nbackward\n(", b"(backward(y))"]
    not_trains = [b"def backward(self):", b"my_backward(x)", b"xbackward(", b"loss.backward",
                  b"backward = 1", b""]
    for text in trains:
        assert "backward" in lexicon.scan(text).words, text
        assert "trains" in lexicon.scan(text).words, text
    for text in not_trains:
        assert "backward" not in lexicon.scan(text).words, text


def test_project_imports_from_each_line_that_says_import():
    text = (b"import os\nimport engine, utils.seed as s\nfrom . import (a,\n    b)\n"
            b"x = 1  # no import here\n  from .data import load  # comment\n"
            b"from torch import nn\nfrom pkg.sub import f\r\nimports = 2\n")
    assert lexicon.scan(text).imports == (
        (0, "engine", ()), (0, "utils.seed", ()), (1, "", ("a", "b")),
        (1, "data", ("load",)), (0, "pkg.sub", ("f",)))
