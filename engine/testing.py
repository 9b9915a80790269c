"""Tiny random SEINE components for fast tests (no weights, no network).

``write_tiny_weights(folder)`` writes a complete weights folder in the official layout (``seine.pt`` beside
``stable-diffusion-tiny/`` with vae, text_encoder, tokenizer and unet/config.json), so everything that takes a
weights folder (``SeineEngine``, ``SeinePipeline.from_pretrained``, convert-weights) runs on it in well under a
second per generation at 64×64. The architecture is the golden fixture's: widths 32/32/32/80, one head of 32 in
the narrow blocks and two heads of 40 in the widest (partial rotary), 16 norm groups.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

TINY_UNET_CONFIG = {
    "_class_name": "UNet2DConditionModel", "act_fn": "silu", "attention_head_dim": [1, 1, 1, 2],
    "block_out_channels": [32, 32, 32, 80], "center_input_sample": False, "cross_attention_dim": 32,
    "down_block_types": ["CrossAttnDownBlock2D"] * 3 + ["DownBlock2D"], "downsample_padding": 1,
    "flip_sin_to_cos": True, "freq_shift": 0, "in_channels": 4, "layers_per_block": 1, "mid_block_scale_factor": 1,
    "norm_eps": 1e-05, "norm_num_groups": 16, "out_channels": 4, "sample_size": 8,
    "up_block_types": ["UpBlock2D"] + ["CrossAttnUpBlock2D"] * 3,
}
TINY_VAE_CONFIG = dict(in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(8, 16, 16, 16),
                       down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
                       layers_per_block=1, norm_num_groups=8, sample_size=64)
TINY_TEXT_CONFIG = dict(vocab_size=514, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                        num_attention_heads=2, max_position_embeddings=77, hidden_act="quick_gelu",
                        bos_token_id=512, eos_token_id=513, pad_token_id=513, projection_dim=32)
SD_FOLDER_NAME = "stable-diffusion-tiny"


def _byte_symbols() -> list[str]:
    """CLIP's printable stand-ins for the 256 byte values (the GPT-2 byte-to-unicode table)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    symbols, extra = {}, 0
    for byte in range(256):
        if byte in printable:
            symbols[byte] = chr(byte)
        else:
            symbols[byte] = chr(256 + extra)
            extra += 1
    return [symbols[b] for b in sorted(symbols, key=lambda b: (b not in printable, printable.index(b)
                                                                if b in printable else b))]


def write_tiny_tokenizer(folder: Path) -> Path:
    """A byte-level CLIP BPE vocabulary without merges: every character is one token (514 ids)."""
    folder.mkdir(parents=True, exist_ok=True)
    symbols = _byte_symbols()
    vocab = {s: i for i, s in enumerate(symbols)}
    vocab.update({s + "</w>": 256 + i for i, s in enumerate(symbols)})
    vocab.update({"<|startoftext|>": 512, "<|endoftext|>": 513})
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "CLIPTokenizer", "model_max_length": 77, "bos_token": "<|startoftext|>",
        "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>", "pad_token": "<|endoftext|>",
        "do_lower_case": True}))
    return folder


def tiny_unet(seed: int = 0):
    """The tiny UNet3D with random weights (every layer non-zero, so every path matters)."""
    from engine.seine.unet import UNet3DConditionModel, UNet3DConfig

    torch.manual_seed(seed)
    model = UNet3DConditionModel(UNet3DConfig.from_sd_config(TINY_UNET_CONFIG))
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.endswith("rotary_emb.freqs"):
                continue
            if param.ndim >= 2 and "relative_attention_bias" not in name:
                param.normal_(0.0, param[0].numel() ** -0.5)
            else:
                param.normal_(1.0 if name.endswith("weight") and "norm" in name else 0.0, 0.1)
    return model.eval()


def tiny_vae(seed: int = 0):
    from diffusers import AutoencoderKL

    torch.manual_seed(seed)
    return AutoencoderKL(**TINY_VAE_CONFIG).eval()


def tiny_text_encoder(seed: int = 0):
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(seed)
    return CLIPTextModel(CLIPTextConfig(**TINY_TEXT_CONFIG)).eval()


def write_tiny_weights(folder, seed: int = 0) -> Path:
    """Write ``folder/seine.pt`` (official ``{"ema": state_dict}``) and ``folder/stable-diffusion-tiny/``."""
    folder = Path(folder)
    sd = folder / SD_FOLDER_NAME
    (sd / "unet").mkdir(parents=True, exist_ok=True)
    (sd / "unet" / "config.json").write_text(json.dumps(TINY_UNET_CONFIG, indent=2))
    tiny_vae(seed).save_pretrained(sd / "vae")
    tiny_text_encoder(seed).save_pretrained(sd / "text_encoder")
    write_tiny_tokenizer(sd / "tokenizer")
    torch.save({"ema": tiny_unet(seed).state_dict()}, folder / "seine.pt")
    return folder


def tiny_pipeline(folder, seed: int = 0):
    """A CPU float32 :class:`SeinePipeline` on freshly written tiny weights in ``folder``."""
    from engine.seine.pipeline import SeinePipeline

    return SeinePipeline.from_pretrained(write_tiny_weights(folder, seed))


def write_tiny_wan_vace(folder) -> Path:
    """A complete Wan2.1 VACE folder in diffusers layout with tiny random parts (the shapes of diffusers' own fast
    tests) and a word-level tokenizer made here, so nothing downloads. Loads and runs in seconds on the CPU."""
    from diffusers import (AutoencoderKLWan, FlowMatchEulerDiscreteScheduler, WanVACEPipeline,
                           WanVACETransformer3DModel)
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, UMT5Config, UMT5EncoderModel

    words = "smooth transition slow motion a the red kite boat sunset over sea city walk dance".split()
    vocab = {"<pad>": 0, "</s>": 1, "<unk>": 2, **{word: i + 3 for i, word in enumerate(words)}}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="<pad>", eos_token="</s>",
                                        unk_token="<unk>")
    torch.manual_seed(0)
    vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                           temperal_downsample=[False, True, True])
    text_encoder = UMT5EncoderModel(UMT5Config(vocab_size=32, d_model=32, d_kv=8, d_ff=37, num_layers=2,
                                               num_heads=4, relative_attention_num_buckets=8))
    transformer = WanVACETransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=16, out_channels=16,
        text_dim=32, freq_dim=256, ffn_dim=32, num_layers=3, cross_attn_norm=True, qk_norm="rms_norm_across_heads",
        rope_max_seq_len=32, vace_layers=[0, 2], vace_in_channels=96)
    pipeline = WanVACEPipeline(transformer=transformer, vae=vae, scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0),
                               text_encoder=text_encoder, tokenizer=tokenizer)
    folder = Path(folder)
    pipeline.save_pretrained(folder)
    return folder


def write_tiny_ltx2(folder) -> Path:
    """A complete LTX-2 folder in diffusers layout with tiny random parts (the shapes of diffusers' own fast tests:
    a two-block transformer, a one-level video VAE, an audio VAE and vocoder at 16 kHz) and a tiny Gemma 3 text
    encoder with a word-level tokenizer made here, so nothing downloads. Loads and runs in about a second on the
    CPU."""
    from diffusers import (AutoencoderKLLTX2Audio, AutoencoderKLLTX2Video, FlowMatchEulerDiscreteScheduler,
                           LTX2ConditionPipeline, LTX2VideoTransformer3DModel)
    from diffusers.pipelines.ltx2 import LTX2TextConnectors
    from diffusers.pipelines.ltx2.vocoder import LTX2Vocoder
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import Gemma3Config, Gemma3ForConditionalGeneration, GemmaTokenizerFast
    from transformers.models.gemma3.configuration_gemma3 import Gemma3TextConfig
    from transformers.models.siglip.configuration_siglip import SiglipVisionConfig

    words = "smooth transition slow motion a the red kite boat sunset over sea city walk dance wind waves".split()
    vocab = {"<pad>": 0, "<eos>": 1, "<bos>": 2, "<unk>": 3, **{word: i + 4 for i, word in enumerate(words)}}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = GemmaTokenizerFast(tokenizer_object=backend, pad_token="<pad>", eos_token="<eos>",
                                   bos_token="<bos>", unk_token="<unk>", padding_side="left")
    torch.manual_seed(0)
    text = Gemma3TextConfig(vocab_size=32, hidden_size=32, intermediate_size=32, num_hidden_layers=2,
                            num_attention_heads=2, num_key_value_heads=1, head_dim=16, max_position_embeddings=64,
                            sliding_window=16)
    vision = SiglipVisionConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
                                image_size=28, patch_size=14)
    text_encoder = Gemma3ForConditionalGeneration(Gemma3Config(text_config=text, vision_config=vision,
                                                               mm_tokens_per_image=4)).eval()
    transformer = LTX2VideoTransformer3DModel(
        in_channels=4, out_channels=4, patch_size=1, patch_size_t=1, num_attention_heads=2, attention_head_dim=8,
        cross_attention_dim=16, audio_in_channels=4, audio_out_channels=4, audio_num_attention_heads=2,
        audio_attention_head_dim=4, audio_cross_attention_dim=8, num_layers=2, qk_norm="rms_norm_across_heads",
        caption_channels=text.hidden_size, rope_double_precision=False, rope_type="split")
    connectors = LTX2TextConnectors(
        caption_channels=text.hidden_size, text_proj_in_factor=text.num_hidden_layers + 1,
        video_connector_num_attention_heads=4, video_connector_attention_head_dim=8, video_connector_num_layers=1,
        video_connector_num_learnable_registers=None, audio_connector_num_attention_heads=4,
        audio_connector_attention_head_dim=8, audio_connector_num_layers=1,
        audio_connector_num_learnable_registers=None, connector_rope_base_seq_len=32, rope_theta=10000.0,
        rope_double_precision=False, causal_temporal_positioning=False, rope_type="split")
    vae = AutoencoderKLLTX2Video(
        in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(8,), decoder_block_out_channels=(8,),
        layers_per_block=(1,), decoder_layers_per_block=(1, 1), spatio_temporal_scaling=(True,),
        decoder_spatio_temporal_scaling=(True,), decoder_inject_noise=(False, False), downsample_type=("spatial",),
        upsample_residual=(False,), upsample_factor=(1,), timestep_conditioning=False, patch_size=1, patch_size_t=1,
        encoder_causal=True, decoder_causal=False)
    audio_vae = AutoencoderKLLTX2Audio(
        base_channels=4, output_channels=2, ch_mult=(1,), num_res_blocks=1, attn_resolutions=None, in_channels=2,
        resolution=32, latent_channels=2, norm_type="pixel", causality_axis="height", dropout=0.0,
        mid_block_add_attention=False, sample_rate=16000, mel_hop_length=160, is_causal=True, mel_bins=8)
    vocoder = LTX2Vocoder(
        in_channels=audio_vae.config.output_channels * audio_vae.config.mel_bins, hidden_channels=32, out_channels=2,
        upsample_kernel_sizes=[4, 4], upsample_factors=[2, 2], resnet_kernel_sizes=[3], resnet_dilations=[[1, 3, 5]],
        leaky_relu_negative_slope=0.1, output_sampling_rate=16000)
    pipeline = LTX2ConditionPipeline(
        transformer=transformer, vae=vae, audio_vae=audio_vae, scheduler=FlowMatchEulerDiscreteScheduler(),
        text_encoder=text_encoder, tokenizer=tokenizer, connectors=connectors, vocoder=vocoder, audio_scheduler=None)
    folder = Path(folder)
    pipeline.save_pretrained(folder)
    return folder
