"""`seine-editor convert-weights` end to end on tiny weights."""
import pytest

from engine.testing import write_tiny_weights
from seine_editor.cli import main


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory):
    return write_tiny_weights(tmp_path_factory.mktemp("cli") / "pretrained")


def test_convert_weights_writes_a_folder_the_engine_accepts(tiny_weights, tmp_path, capsys):
    from engine.seine.weights import locate_weights

    assert main(["convert-weights", "--weights", str(tiny_weights), "-o", str(tmp_path / "out"), "--fp16"]) == 0
    assert f"wrote {tmp_path / 'out'}" in capsys.readouterr().out
    assert locate_weights(tmp_path / "out").converted


def test_separate_checkpoint_and_sd_path_are_accepted(tiny_weights, tmp_path):
    args = ["convert-weights", "--checkpoint", str(tiny_weights / "seine.pt"),
            "--sd-path", str(tiny_weights / "stable-diffusion-tiny"), "-o", str(tmp_path / "out")]
    assert main(args) == 0


def test_checkpoint_without_sd_path_is_bad_input(tiny_weights, tmp_path, capsys):
    assert main(["convert-weights", "--checkpoint", str(tiny_weights / "seine.pt"), "-o", str(tmp_path)]) == 2
    assert "--sd-path" in capsys.readouterr().err


def test_missing_weights_folder_is_bad_input_naming_it(tmp_path, capsys):
    assert main(["convert-weights", "--weights", str(tmp_path / "absent"), "-o", str(tmp_path / "out")]) == 2
    assert str(tmp_path / "absent") in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
