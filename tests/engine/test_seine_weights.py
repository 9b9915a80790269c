"""Finding, validating and converting local SEINE weights."""
import json
import shutil

import pytest
import torch

from engine.errors import IncompatibleWeightsError, WeightsNotFoundError
from engine.seine.weights import (UnreadableWeightsError, convert_weights, load_unet, locate_weights,
                                  weights_identity)
from engine.testing import SD_FOLDER_NAME, write_tiny_weights


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory):
    return write_tiny_weights(tmp_path_factory.mktemp("weights") / "pretrained")


def _copy(tiny_weights, tmp_path):
    return shutil.copytree(tiny_weights, tmp_path / "copy")


def test_official_layout_is_found_with_the_sd_folder_beside_seine_pt(tiny_weights):
    location = locate_weights(tiny_weights)
    assert location.checkpoint == tiny_weights / "seine.pt"
    assert location.sd_path == tiny_weights / SD_FOLDER_NAME
    assert not location.converted


def test_missing_folder_names_it_and_the_expected_layout(tmp_path):
    with pytest.raises(WeightsNotFoundError, match=f"{tmp_path / 'nope'} does not exist.*seine.pt.*vae/"):
        locate_weights(tmp_path / "nope")


def test_folder_without_seine_pt_is_refused_naming_the_file(tiny_weights, tmp_path):
    folder = _copy(tiny_weights, tmp_path)
    (folder / "seine.pt").unlink()
    with pytest.raises(WeightsNotFoundError, match=f"{folder / 'seine.pt'} not found"):
        locate_weights(folder)


def test_sd_folder_missing_a_part_is_refused_listing_what_lacks(tiny_weights, tmp_path):
    folder = _copy(tiny_weights, tmp_path)
    shutil.rmtree(folder / SD_FOLDER_NAME / "tokenizer")
    with pytest.raises(WeightsNotFoundError, match="no Stable Diffusion folder found"):
        locate_weights(folder)
    with pytest.raises(WeightsNotFoundError, match="lacks tokenizer/"):
        locate_weights(checkpoint=folder / "seine.pt", sd_path=folder / SD_FOLDER_NAME)


def test_strict_load_lists_missing_unexpected_and_misshaped_keys(tiny_weights, tmp_path):
    folder = _copy(tiny_weights, tmp_path)
    state = torch.load(folder / "seine.pt", weights_only=True)["ema"]
    del state["conv_out.bias"]
    state["extra.weight"] = torch.zeros(1)
    state["conv_in.weight"] = torch.zeros(32, 4, 3, 3)  # a 2D SD conv_in, not SEINE's 9 channels
    torch.save({"ema": state}, folder / "seine.pt")
    with pytest.raises(IncompatibleWeightsError) as caught:
        load_unet(locate_weights(folder))
    error = caught.value
    assert error.missing == ["conv_out.bias"] and error.unexpected == ["extra.weight"]
    assert error.mismatched == ["conv_in.weight: (32, 4, 3, 3), expected (32, 9, 3, 3)"]
    assert str(folder / "seine.pt") in str(error)


def test_rotary_constants_that_differ_from_the_formula_are_refused(tiny_weights, tmp_path):
    folder = _copy(tiny_weights, tmp_path)
    state = torch.load(folder / "seine.pt", weights_only=True)["ema"]
    key = next(k for k in state if k.endswith("rotary_emb.freqs"))
    state[key] = state[key] * 2
    torch.save({"ema": state}, folder / "seine.pt")
    with pytest.raises(IncompatibleWeightsError, match="values differ from 1/10000"):
        load_unet(locate_weights(folder))


def test_checkpoint_without_ema_or_unreadable_is_refused_clearly(tiny_weights, tmp_path):
    folder = _copy(tiny_weights, tmp_path)
    torch.save({"model": {}}, folder / "seine.pt")
    with pytest.raises(UnreadableWeightsError, match="no 'ema' state dict \\(found \\['model'\\]\\)"):
        load_unet(locate_weights(folder))
    (folder / "seine.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(UnreadableWeightsError, match="cannot be read"):
        load_unet(locate_weights(folder))


def test_identity_is_stable_and_changes_with_the_weights(tiny_weights, tmp_path):
    first = weights_identity(locate_weights(tiny_weights))
    assert first == weights_identity(locate_weights(tiny_weights))
    other = write_tiny_weights(tmp_path / "other", seed=5)
    assert weights_identity(locate_weights(other)) != first


def test_converted_folder_loads_the_same_unet_and_keeps_the_identity(tiny_weights, tmp_path):
    out = convert_weights(tiny_weights, tmp_path / "converted")
    location = locate_weights(out)
    assert location.converted and location.sd_path == out
    assert json.loads((out / "unet" / "config.json").read_text())["_class_name"] == "UNet3DConditionModel"
    original, converted = load_unet(locate_weights(tiny_weights)), load_unet(location)
    for (name, a), (_, b) in zip(original.state_dict().items(), converted.state_dict().items()):
        assert torch.equal(a, b), name
    assert weights_identity(location) == weights_identity(locate_weights(tiny_weights))


def test_fp16_conversion_halves_the_unet_and_gets_its_own_identity(tiny_weights, tmp_path):
    out = convert_weights(tiny_weights, tmp_path / "half", fp16=True)
    from safetensors.torch import load_file

    tensors = load_file(str(out / "unet" / "diffusion_pytorch_model.safetensors"))
    assert {t.dtype for t in tensors.values()} == {torch.float16}
    assert weights_identity(locate_weights(out)).endswith("-fp16")
    load_unet(locate_weights(out))  # the fp16-rounded rotary constants still pass the check


def test_conversion_refuses_a_non_empty_output_folder(tiny_weights, tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("user data")
    with pytest.raises(Exception, match="not empty"):
        convert_weights(tiny_weights, tmp_path / "busy")
    assert (tmp_path / "busy" / "keep.txt").read_text() == "user data"
