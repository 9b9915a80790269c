"""SEINE's UNet3D: Stable Diffusion's 2D UNet run per frame, plus one temporal attention per transformer block.

Built from an SD-style ``unet/config.json`` dict (any widths, layers, heads, groups, cross-attention size) with the
official state-dict key names, so ``load_state_dict(seine_pt["ema"], strict=True)`` works. Activations travel
folded as ``(b·f, c, h, w)`` (batch-major) because every 2D layer is per frame; the few joint-over-frames ops
(resnet GroupNorm, ``conv_norm_out``, temporal attention) unfold explicitly. See shared/design/SEINE.md §2.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import nn

ROTARY_DIM = 32  # features of each head rotated by the temporal rotary embedding
ROTARY_BASE = 10000.0
REL_POS_BUCKETS = 32
REL_POS_MAX_DISTANCE = 32
TRANSFORMER_NORM_EPS = 1e-6
DOWN_BLOCK_TYPES = ("CrossAttnDownBlock3D", "CrossAttnDownBlock3D", "CrossAttnDownBlock3D", "DownBlock3D")
UP_BLOCK_TYPES = ("UpBlock3D", "CrossAttnUpBlock3D", "CrossAttnUpBlock3D", "CrossAttnUpBlock3D")


@dataclass(frozen=True)
class UNet3DConfig:
    """The architecture. ``attention_head_dim`` is SD's misnomer: it is the NUMBER of heads per block."""

    block_out_channels: tuple[int, ...] = (320, 640, 1280, 1280)
    layers_per_block: int = 2
    attention_head_dim: tuple[int, ...] = (8, 8, 8, 8)
    cross_attention_dim: int = 768
    norm_num_groups: int = 32
    norm_eps: float = 1e-5
    in_channels: int = 9
    out_channels: int = 4
    downsample_padding: int = 1
    flip_sin_to_cos: bool = True
    freq_shift: int = 0
    down_block_types: tuple[str, ...] = field(default=DOWN_BLOCK_TYPES)
    up_block_types: tuple[str, ...] = field(default=UP_BLOCK_TYPES)

    @classmethod
    def from_sd_config(cls, config: dict) -> "UNet3DConfig":
        """SEINE's inflation of SD's 2D config: block types forced to 3D, 9 input channels (SEINE.md §1)."""
        widths = tuple(int(c) for c in config["block_out_channels"])
        heads = config.get("attention_head_dim", 8)
        heads = tuple(int(h) for h in heads) if isinstance(heads, (list, tuple)) else (int(heads),) * len(widths)
        if len(widths) != 4 or len(heads) != 4:
            raise ValueError(f"SEINE needs 4 UNet blocks; config has block_out_channels {list(widths)} and "
                             f"attention_head_dim {list(heads)}")
        made = cls(block_out_channels=widths, layers_per_block=int(config.get("layers_per_block", 2)),
                   attention_head_dim=heads, cross_attention_dim=int(config.get("cross_attention_dim", 768)),
                   norm_num_groups=int(config.get("norm_num_groups", 32)), norm_eps=float(config.get("norm_eps", 1e-5)),
                   out_channels=int(config.get("out_channels", 4)),
                   downsample_padding=int(config.get("downsample_padding", 1)),
                   flip_sin_to_cos=bool(config.get("flip_sin_to_cos", True)),
                   freq_shift=int(config.get("freq_shift", 0)))
        made.validate()
        return made

    @classmethod
    def from_dict(cls, data: dict) -> "UNet3DConfig":
        """Inverse of :meth:`to_dict` (also accepts an SD 2D config)."""
        if data.get("_class_name") != "UNet3DConditionModel":
            return cls.from_sd_config(data)
        names = set(cls.__dataclass_fields__)
        kept = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in names}
        made = cls(**kept)
        made.validate()
        return made

    def to_dict(self) -> dict:
        return {"_class_name": "UNet3DConditionModel", **{k: list(v) if isinstance(v, tuple) else v
                                                           for k, v in asdict(self).items()}}

    def validate(self) -> None:
        for width, heads in zip(self.block_out_channels, self.attention_head_dim):
            if width % heads or width // heads < ROTARY_DIM:
                raise ValueError(f"block width {width} with {heads} heads: the head size must be a whole number "
                                 f">= {ROTARY_DIM} (the temporal rotary embedding rotates {ROTARY_DIM} features)")
            if width % self.norm_num_groups:
                raise ValueError(f"block width {width} is not divisible by norm_num_groups {self.norm_num_groups}")


def fold(x: torch.Tensor) -> torch.Tensor:
    """(b, c, f, h, w) -> (b·f, c, h, w), batch-major."""
    b, c, f, h, w = x.shape
    return x.permute(0, 2, 1, 3, 4).reshape(b * f, c, h, w)


def unfold(x: torch.Tensor, frames: int) -> torch.Tensor:
    """(b·f, c, h, w) -> (b, c, f, h, w)."""
    bf, c, h, w = x.shape
    return x.reshape(bf // frames, frames, c, h, w).permute(0, 2, 1, 3, 4)


def joint_group_norm(x: torch.Tensor, frames: int, norm: nn.GroupNorm) -> torch.Tensor:
    """GroupNorm of folded frames with statistics over (channels-in-group × ALL frames × h × w) of each sample.

    The library kernel on a ``(b, c, f, h·w)`` view: float32 statistics in half precision too, one pass, ~4x faster
    than normalising by hand on the CPU and far less memory traffic than an upcast copy.
    """
    bf, c, h, w = x.shape
    video = x.view(bf // frames, frames, c, h * w).transpose(1, 2)
    normed = F.group_norm(video, norm.num_groups, norm.weight, norm.bias, norm.eps)
    return normed.transpose(1, 2).reshape(bf, c, h, w)


def timestep_sinusoid(timesteps: torch.Tensor, dim: int, flip_sin_to_cos: bool, shift: int) -> torch.Tensor:
    half = dim // 2
    exponent = -math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=timesteps.device) / (half - shift)
    angles = timesteps[:, None].float() * torch.exp(exponent)[None, :]
    emb = torch.cat([torch.sin(angles), torch.cos(angles)], dim=-1)
    return torch.cat([emb[:, half:], emb[:, :half]], dim=-1) if flip_sin_to_cos else emb


def rotary_frequencies(dim: int = ROTARY_DIM, base: float = ROTARY_BASE) -> torch.Tensor:
    """``1 / base^(2i/dim)``, i = 0..dim/2-1, exactly as the checkpoint stores them."""
    return 1.0 / (base ** (torch.arange(0, dim, 2)[: dim // 2].float() / dim))


def rotary_tables(freqs: torch.Tensor, frames: int, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin of ``pos·freq_j`` for frame positions 0..frames-1, each repeated for its feature pair (2j, 2j+1),
    computed in the precision of ``freqs`` and cast to ``dtype``."""
    positions = torch.arange(frames, device=freqs.device, dtype=freqs.dtype)
    angles = torch.repeat_interleave(positions[:, None] * freqs[None, :], 2, dim=-1)
    return angles.cos().to(dtype), angles.sin().to(dtype)


def apply_rotary(x: torch.Tensor, freqs) -> torch.Tensor:
    """Rotate interleaved feature pairs (2j, 2j+1) of the first ``2·len(freqs)`` features by ``pos·freq_j``.

    ``x`` is ``(..., frames, head_dim)``; positions are the frame indices 0..frames-1. ``freqs`` is the frequency
    vector, or the (cos, sin) tables of `rotary_tables` made ahead.
    """
    cos, sin = freqs if isinstance(freqs, tuple) else rotary_tables(freqs, x.shape[-2], x.dtype)
    rot = cos.shape[-1]
    head, tail = x[..., :rot], x[..., rot:]
    pairs = head.unflatten(-1, (-1, 2))
    rotated_half = torch.stack((-pairs[..., 1], pairs[..., 0]), dim=-1).flatten(-2)
    return torch.cat([head * cos + rotated_half * sin, tail], dim=-1)


class _TableCache:
    """Tables a module derives from its own constants, per (frames, device, dtype) and the constants' version: made
    once per clip length, not again in every block on every forward."""

    def __init__(self):
        self._tables: dict[tuple, object] = {}

    def get(self, source: torch.Tensor, frames: int, dtype: torch.dtype, make):
        if torch.compiler.is_compiling():  # inside a compiled graph the tables are constants the compiler folds
            return make()
        key = (frames, source.device, source.dtype, dtype, source._version)
        if key not in self._tables:
            if len(self._tables) >= 16:  # a few clip lengths and precisions in a session
                self._tables.clear()
            self._tables[key] = make()
        return self._tables[key]


def relative_position_buckets(frames: int, device=None) -> torch.Tensor:
    """T5 buckets of ``key − query`` for an ``frames × frames`` score matrix (SEINE.md §2, trap 4)."""
    positions = torch.arange(frames, dtype=torch.long, device=device)
    n = -(positions[None, :] - positions[:, None])
    half = REL_POS_BUCKETS // 2
    bucket = (n < 0).long() * half
    n = n.abs()
    max_exact = half // 2
    large = max_exact + (torch.log(n.float() / max_exact) / math.log(REL_POS_MAX_DISTANCE / max_exact)
                         * (half - max_exact)).long()
    large = torch.minimum(large, torch.full_like(large, half - 1))
    return bucket + torch.where(n < max_exact, n, large)


class Attention(nn.Module):
    """Multi-head attention with SD's key names (q/k/v without bias, ``to_out.0`` with bias), fused SDPA."""

    def __init__(self, dim: int, heads: int, context_dim: Optional[int] = None):
        super().__init__()
        self.heads = heads
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k = nn.Linear(context_dim or dim, dim, bias=False)
        self.to_v = nn.Linear(context_dim or dim, dim, bias=False)
        self.to_out = nn.ModuleList([nn.Linear(dim, dim), nn.Dropout(0.0)])

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        return x.unflatten(-1, (self.heads, -1)).transpose(1, 2)

    def merge_heads(self, x: torch.Tensor) -> torch.Tensor:
        return self.to_out[0](x.transpose(1, 2).flatten(2))

    def forward(self, x: torch.Tensor, context: Optional[torch.Tensor] = None) -> torch.Tensor:
        context = x if context is None else context
        q, k, v = (self.split_heads(p(s)) for p, s in ((self.to_q, x), (self.to_k, context), (self.to_v, context)))
        return self.merge_heads(F.scaled_dot_product_attention(q, k, v))


class RotaryEmbedding(nn.Module):
    """Holds the checkpoint's ``freqs`` constant (a non-trained parameter in the official state dict)."""

    def __init__(self):
        super().__init__()
        self.freqs = nn.Parameter(rotary_frequencies(), requires_grad=False)
        self._cache = _TableCache()

    def tables(self, frames: int, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
        """`rotary_tables` of the checkpoint's frequencies (in float32), cached."""
        return self._cache.get(self.freqs, frames, dtype, lambda: rotary_tables(self.freqs.float(), frames, dtype))


class RelativePositionBias(nn.Module):
    def __init__(self, heads: int):
        super().__init__()
        self.relative_attention_bias = nn.Embedding(REL_POS_BUCKETS, heads)
        self._cache = _TableCache()

    def forward(self, frames: int, dtype: Optional[torch.dtype] = None) -> torch.Tensor:
        """(heads, frames, frames) additive score bias, ``[h, query, key]``, in ``dtype``; cached."""
        weight = self.relative_attention_bias.weight
        dtype = dtype or weight.dtype

        def make():
            buckets = relative_position_buckets(frames, weight.device)
            return self.relative_attention_bias(buckets).permute(2, 0, 1).to(dtype).contiguous()
        return self._cache.get(weight, frames, dtype, make)


class TemporalAttention(Attention):
    """Self-attention over the frames at one spatial position, with partial rotary and T5 relative bias."""

    def __init__(self, dim: int, heads: int):
        super().__init__(dim, heads)
        self.time_rel_pos_bias = RelativePositionBias(heads)
        self.rotary_emb = RotaryEmbedding()

    def forward(self, x: torch.Tensor, context: Optional[torch.Tensor] = None) -> torch.Tensor:
        frames = x.shape[1]
        q, k, v = (self.split_heads(p(x)) for p in (self.to_q, self.to_k, self.to_v))
        tables = self.rotary_emb.tables(frames, q.dtype)
        q, k = apply_rotary(q, tables), apply_rotary(k, tables)
        bias = self.time_rel_pos_bias(frames, q.dtype)
        return self.merge_heads(F.scaled_dot_product_attention(q, k, v, attn_mask=bias))


class GEGLU(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.proj = nn.Linear(dim, hidden * 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        value, gate = self.proj(x).chunk(2, dim=-1)
        return value * F.gelu(gate)


class FeedForward(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.net = nn.ModuleList([GEGLU(dim, dim * 4), nn.Dropout(0.0), nn.Linear(dim * 4, dim)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.net:
            x = layer(x)
        return x


class BasicTransformerBlock(nn.Module):
    """spatial self-attention → cross-attention → temporal attention → GEGLU feed-forward (trap 2)."""

    def __init__(self, dim: int, heads: int, context_dim: int):
        super().__init__()
        self.attn1 = Attention(dim, heads)
        self.norm1 = nn.LayerNorm(dim)
        self.attn2 = Attention(dim, heads, context_dim)
        self.norm2 = nn.LayerNorm(dim)
        self.attn_temp = TemporalAttention(dim, heads)
        self.norm_temp = nn.LayerNorm(dim)
        self.ff = FeedForward(dim)
        self.norm3 = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor, context: torch.Tensor, frames: int) -> torch.Tensor:
        x = x + self.attn1(self.norm1(x))
        x = x + self.attn2(self.norm2(x), context)
        bf, tokens, dim = x.shape
        per_position = x.reshape(bf // frames, frames, tokens, dim).transpose(1, 2).reshape(-1, frames, dim)
        per_position = per_position + self.attn_temp(self.norm_temp(per_position))
        x = per_position.reshape(bf // frames, tokens, frames, dim).transpose(1, 2).reshape(bf, tokens, dim)
        return x + self.ff(self.norm3(x))


class Transformer3DModel(nn.Module):
    def __init__(self, dim: int, heads: int, context_dim: int, groups: int):
        super().__init__()
        self.norm = nn.GroupNorm(groups, dim, eps=TRANSFORMER_NORM_EPS)
        self.proj_in = nn.Conv2d(dim, dim, 1)
        self.transformer_blocks = nn.ModuleList([BasicTransformerBlock(dim, heads, context_dim)])
        self.proj_out = nn.Conv2d(dim, dim, 1)

    def forward(self, x: torch.Tensor, context: torch.Tensor, frames: int) -> torch.Tensor:
        bf, c, h, w = x.shape
        tokens = self.proj_in(self.norm(x)).flatten(2).transpose(1, 2)
        for block in self.transformer_blocks:
            tokens = block(tokens, context, frames)
        return self.proj_out(tokens.transpose(1, 2).reshape(bf, c, h, w)) + x


class ResnetBlock3D(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, temb_ch: int, groups: int, eps: float):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, in_ch, eps=eps)
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb_ch, out_ch)
        self.norm2 = nn.GroupNorm(groups, out_ch, eps=eps)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(in_ch, out_ch, 1) if in_ch != out_ch else None

    def forward(self, x: torch.Tensor, temb: torch.Tensor, frames: int) -> torch.Tensor:
        h = self.conv1(F.silu(joint_group_norm(x, frames, self.norm1)))
        h = h + self.time_emb_proj(F.silu(temb)).repeat_interleave(frames, dim=0)[:, :, None, None]
        h = self.conv2(F.silu(joint_group_norm(h, frames, self.norm2)))
        return (x if self.conv_shortcut is None else self.conv_shortcut(x)) + h


class Downsample(nn.Module):
    def __init__(self, channels: int, padding: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=padding)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class Upsample(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
        # Nearest to the next skip's exact size: ×2 on the regular path, the official forced size otherwise.
        return self.conv(F.interpolate(x, size=tuple(size), mode="nearest"))


class UNetBlock(nn.Module):
    """One down or up block: resnets, optional transformers after each, optional resampler at the end."""

    def __init__(self, resnet_channels: list[tuple[int, int]], cfg: UNet3DConfig, temb_ch: int, heads: int,
                 with_attention: bool):
        super().__init__()
        groups, eps = cfg.norm_num_groups, cfg.norm_eps
        self.resnets = nn.ModuleList([ResnetBlock3D(i, o, temb_ch, groups, eps) for i, o in resnet_channels])
        self.attentions = nn.ModuleList([Transformer3DModel(o, heads, cfg.cross_attention_dim, groups)
                                         for _, o in resnet_channels]) if with_attention else None

    def layer(self, index: int, x, temb, context, frames: int) -> torch.Tensor:
        x = self.resnets[index](x, temb, frames)
        return x if self.attentions is None else self.attentions[index](x, context, frames)


class UNet3DConditionModel(nn.Module):
    def __init__(self, config: UNet3DConfig):
        super().__init__()
        config.validate()
        self.config = config
        widths, layers = list(config.block_out_channels), config.layers_per_block
        temb_ch = widths[0] * 4
        self.conv_in = nn.Conv2d(config.in_channels, widths[0], 3, padding=1)
        self.time_embedding = nn.Module()
        self.time_embedding.linear_1 = nn.Linear(widths[0], temb_ch)
        self.time_embedding.linear_2 = nn.Linear(temb_ch, temb_ch)
        self.down_blocks = nn.ModuleList()
        out_ch = widths[0]
        for i, kind in enumerate(config.down_block_types):
            in_ch, out_ch = out_ch, widths[i]
            block = UNetBlock([(in_ch if j == 0 else out_ch, out_ch) for j in range(layers)], config, temb_ch,
                              config.attention_head_dim[i], kind.startswith("CrossAttn"))
            if i < len(widths) - 1:
                block.downsamplers = nn.ModuleList([Downsample(out_ch, config.downsample_padding)])
            self.down_blocks.append(block)
        self.mid_block = UNetBlock([(widths[-1], widths[-1])] * 2, config, temb_ch, config.attention_head_dim[-1],
                                   True)
        self.mid_block.attentions = self.mid_block.attentions[:1]
        self.up_blocks = nn.ModuleList()
        rev_widths, rev_heads = widths[::-1], list(config.attention_head_dim)[::-1]
        out_ch = rev_widths[0]
        for i, kind in enumerate(config.up_block_types):
            prev_ch, out_ch = out_ch, rev_widths[i]
            skip_in = rev_widths[min(i + 1, len(widths) - 1)]
            channels = [((prev_ch if j == 0 else out_ch) + (skip_in if j == layers else out_ch), out_ch)
                        for j in range(layers + 1)]
            block = UNetBlock(channels, config, temb_ch, rev_heads[i], kind.startswith("CrossAttn"))
            if i < len(widths) - 1:
                block.upsamplers = nn.ModuleList([Upsample(out_ch)])
            self.up_blocks.append(block)
        self.conv_norm_out = nn.GroupNorm(config.norm_num_groups, widths[0], eps=config.norm_eps)
        self.conv_out = nn.Conv2d(widths[0], config.out_channels, 3, padding=1)
        self.eval()

    def time_embed(self, timesteps: torch.Tensor, batch: int, dtype: torch.dtype) -> torch.Tensor:
        device = self.conv_in.weight.device
        t = torch.as_tensor(timesteps, device=device).reshape(-1).expand(batch)
        emb = timestep_sinusoid(t, self.config.block_out_channels[0], self.config.flip_sin_to_cos,
                                self.config.freq_shift).to(dtype)
        return self.time_embedding.linear_2(F.silu(self.time_embedding.linear_1(emb)))

    def forward(self, sample: torch.Tensor, timesteps, encoder_hidden_states: torch.Tensor) -> torch.Tensor:
        """(b, 9, f, h, w), timesteps (b,) or scalar (original 0..999), text (b, tokens, dim) -> ε (b, 4, f, h, w)."""
        b, _, frames, _, _ = sample.shape
        temb = self.time_embed(timesteps, b, sample.dtype)
        context = encoder_hidden_states.repeat_interleave(frames, dim=0)
        x = self.conv_in(fold(sample))
        skips = [x]
        for block in self.down_blocks:
            for j in range(len(block.resnets)):
                x = block.layer(j, x, temb, context, frames)
                skips.append(x)
            if hasattr(block, "downsamplers"):
                x = block.downsamplers[0](x)
                skips.append(x)
        x = self.mid_block.resnets[0](x, temb, frames)
        x = self.mid_block.attentions[0](x, context, frames)
        x = self.mid_block.resnets[1](x, temb, frames)
        for block in self.up_blocks:
            for j in range(len(block.resnets)):
                x = block.layer(j, torch.cat([x, skips.pop()], dim=1), temb, context, frames)
            if hasattr(block, "upsamplers"):
                x = block.upsamplers[0](x, skips[-1].shape[-2:])
        x = self.conv_out(F.silu(joint_group_norm(x, frames, self.conv_norm_out)))
        return unfold(x, frames)

    def guided(self, sample: torch.Tensor, timesteps, cond: torch.Tensor, uncond: torch.Tensor,
               guidance_scale: float) -> torch.Tensor:
        """Classifier-free guidance in ONE batched forward on ``[sample, sample]`` with ``[cond, uncond]``."""
        b = sample.shape[0]
        t = torch.as_tensor(timesteps, device=sample.device).reshape(-1).expand(b)
        out = self(torch.cat([sample, sample]), torch.cat([t, t]), torch.cat([cond, uncond]))
        eps_cond, eps_uncond = out[:b], out[b:]
        return eps_uncond + guidance_scale * (eps_cond - eps_uncond)

    def forward_with_cfg(self, x: torch.Tensor, timesteps, encoder_hidden_states: torch.Tensor,
                         cfg_scale: float) -> torch.Tensor:
        """The official signature: x is ``[half, half]``, text is ``[cond…, uncond…]``; returns ``[g, g]``."""
        half = x.shape[0] // 2
        t = torch.as_tensor(timesteps, device=x.device).reshape(-1).expand(x.shape[0])
        cond, uncond = encoder_hidden_states[:half], encoder_hidden_states[half:]
        guided = self.guided(x[:half], t[:half], cond, uncond, cfg_scale)
        return torch.cat([guided, guided])
