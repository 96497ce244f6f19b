"""`algoeff flops`: human and JSON output, train mode, meta vs CPU, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("torch")

from click.testing import CliRunner

from algoeff.cli import main
from algoeff.cli.flops import flops
from algoeff.core.errors import InputError, MissingExtraError

USER_CODE = """
import torch
from torch import nn

def cnn():
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 4 * 4, 5)
    )

def language_model():
    return nn.Sequential(nn.Embedding(100, 16), nn.Linear(16, 100))

def not_a_model():
    return 42

def needs_data():
    return torch.load("weights.pt")

def fails_in_forward():
    class Broken(nn.Module):
        def forward(self, x):
            raise ValueError("shapes do not line up\\nsecond line")
    return Broken()
"""
# Conv 3->8, 3x3, on 4x4 (padding keeps 4x4): 2 x 8*4*4 x 3*3*3; linear 128 -> 5.
CNN_FORWARD = 2 * 2 * (8 * 4 * 4) * (3 * 3 * 3) + 2 * 2 * 128 * 5
CNN_BACKWARD = 2 * 2 * (8 * 4 * 4) * (3 * 3 * 3) + 2 * (2 * 2 * 128 * 5)


@pytest.fixture
def user_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A module of the user's own code in the working directory, under a fresh name."""
    name = f"usermodels_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(USER_CODE)
    monkeypatch.chdir(tmp_path)
    yield name
    sys.modules.pop(name, None)


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(flops, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_human_output(user_module: str) -> None:
    """Forward, backward and total, a per-module table with layer types, and the convention."""
    code, out = _run(f"{user_module}:cnn", "--input-shape", "2,3,4,4", "--train")
    assert code == 0, out
    assert f"forward   {CNN_FORWARD:.2e} FLOP" in out
    assert f"backward  {CNN_BACKWARD:.2e} FLOP" in out
    assert f"total     {CNN_FORWARD + CNN_BACKWARD:.2e} FLOP" in out
    assert "0 (Conv2d)" in out and "3 (Linear)" in out
    assert "one multiply-add = 2 FLOP" in out
    assert "unsupported" not in out


@pytest.mark.parametrize("meta", ["--meta", "--no-meta"])
def test_json_output_is_exact(user_module: str, meta: str) -> None:
    """--json gives exact integer figures, the same on the meta device and the CPU."""
    code, out = _run(f"{user_module}:cnn", "--input-shape", "2,3,4,4", "--json", meta)
    assert code == 0, out
    data = json.loads(out)
    assert data["device"] == ("meta" if meta == "--meta" else "cpu")
    assert (data["forward_flop"], data["backward_flop"]) == (CNN_FORWARD, 0)
    assert data["mode"] == "eval" and data["inputs"] == [
        {"shape": [2, 3, 4, 4], "dtype": "float32"}
    ]
    assert data["by_module"]["Sequential.3"]["forward_flop"] == 2 * 2 * 128 * 5
    assert data["unsupported"] == {}


def test_long_inputs_for_token_ids(user_module: str) -> None:
    """--dtype long feeds token ids; an embedding lookup costs nothing, the head 2 x T x d x V."""
    for meta in ("--meta", "--no-meta"):
        code, out = _run(
            f"{user_module}:language_model",
            "--input-shape",
            "1,7",
            "--dtype",
            "long",
            "--json",
            meta,
        )
        assert code == 0, out
        assert json.loads(out)["forward_flop"] == 2 * 7 * 16 * 100


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("no_colon_here", "TARGET must be package.module:function"),
        ("missing_module_xyz:build", "cannot import module 'missing_module_xyz'"),
        ("{mod}:nope", "has no attribute 'nope'"),
        ("{mod}:not_a_model", "returned int, expected a torch.nn.Module"),
        ("{mod}:needs_data", "building the model on the meta device failed"),
        ("{mod}:fails_in_forward", "running the model on the meta device failed: ValueError"),
    ],
)
def test_bad_targets_are_one_line_errors(
    user_module: str, target: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every mistake in TARGET or the user's model is one line on stderr and exit status 1."""
    argv = ["flops", target.format(mod=user_module), "--input-shape", "2,3,4,4"]
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    result = CliRunner().invoke(flops, argv[1:])
    assert isinstance(result.exception, InputError)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--input-shape", "2,x,4"], "is not a shape"),
        (["--input-shape", "2,0,4"], "is not a shape"),
        (
            [
                "--input-shape",
                "2,3,4,4",
                "--input-shape",
                "2,3",
                "--dtype",
                "long",
                "--dtype",
                "float32",
                "--dtype",
                "int",
            ],
            "3 --dtype for 2 --input-shape",
        ),
    ],
)
def test_bad_options_are_usage_errors(user_module: str, args: list[str], message: str) -> None:
    """Malformed shapes and mismatched dtypes exit 2 with a usage message."""
    code, out = _run(f"{user_module}:cnn", *args)
    assert code == 2 and message in out


def test_help_ends_with_an_example() -> None:
    """The help text ends with a command to copy."""
    out = CliRunner().invoke(flops, ["--help"]).output
    example = out.split("Example:")[1].split("Options:")[0].strip()
    assert example.startswith("algoeff flops ") and "--input-shape" in example


def test_missing_torch_names_the_extra(user_module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without torch, the command says which extra to install."""
    monkeypatch.setitem(sys.modules, "torch", None)
    result = CliRunner().invoke(flops, [f"{user_module}:cnn", "--input-shape", "1,3,4,4"])
    assert isinstance(result.exception, MissingExtraError)
    assert "pip install 'algoeff[torch]'" in str(result.exception)


def test_importing_the_command_and_package_does_not_import_torch() -> None:
    """`algoeff --help` imports this command's module; neither it nor algoeff.measure pulls in torch."""
    code = (
        "import sys, algoeff.measure, algoeff.cli.flops, algoeff.measure.formulas, "
        "algoeff.measure.count_result; sys.exit('torch' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_token_ids_are_detected_for_an_embedding_first_layer(user_module: str) -> None:
    """No --dtype: a model whose first layer is nn.Embedding gets int64 ids, and says so."""
    code, out = _run(f"{user_module}:language_model", "--input-shape", "2,10", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["inputs"] == [{"shape": [2, 10], "dtype": "int64"}]
    assert data["forward_flop"] == 2 * 2 * 10 * 16 * 100
    result = CliRunner().invoke(flops, [f"{user_module}:language_model", "--input-shape", "2,10"])
    assert "token ids (int64): its first layer is Embedding" in result.output


def test_float_ids_say_exactly_what_to_pass(user_module: str) -> None:
    args = ["--input-shape", "2,10", "--dtype", "float32", "--no-meta"]
    result = CliRunner().invoke(flops, [f"{user_module}:language_model", *args])
    assert isinstance(result.exception, InputError)
    assert "its first layer is Embedding; pass --dtype long" in str(result.exception)


def test_help_has_a_hugging_face_example() -> None:
    out = CliRunner().invoke(flops, ["--help"]).output
    assert "transformers.GPT2LMHeadModel" in out and "Token ids (int64)" in out


def test_a_hugging_face_model_counts_without_dtype(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("transformers")
    name = f"hfmodels_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(
        "import transformers\n"
        "def gpt2():\n"
        "    return transformers.GPT2LMHeadModel(transformers.GPT2Config(\n"
        "        n_layer=1, n_embd=16, n_head=2, vocab_size=50, n_positions=32,\n"
        "        bos_token_id=0, eos_token_id=0))\n"
    )
    monkeypatch.chdir(tmp_path)
    try:
        code, out = _run(f"{name}:gpt2", "--input-shape", "1,8", "--json")
    finally:
        sys.modules.pop(name, None)
    assert code == 0, out
    data = json.loads(out)
    assert data["inputs"][0]["dtype"] == "int64" and data["forward_flop"] > 0
