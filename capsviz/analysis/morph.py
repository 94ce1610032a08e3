"""Morph one input into another through the capsules: what lies between two digits, as the decoder sees it.

Both inputs are routed; their winning capsules are interpolated. Of the same
class, the pose moves from one to the other in that capsule's slot. Of two
classes, the mass moves from one capsule to the other: the decoder's input
holds ``(1 − t)·v_a`` in slot a and ``t·v_b`` in slot b, as if the network were
less and less sure of the first digit and more and more of the second. Each
frame is fed back into the network, so a person sees where its answer flips.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image, ImageDraw

from capsviz.analysis.figure4 import caption_font, printable
from capsviz.analysis.inference import as_batch
from capsviz.model.capsnet import DIGIT_DIM, N_DIGITS, CapsNet

STEPS = 9


@dataclass(frozen=True)
class Morph:
    """A morph from input a to input b.

    Attributes
    ----------
    t : ``[S]`` the interpolation weights, 0 (all a) … 1 (all b).
    frames : ``[S, H, W]`` decoded images.
    lengths : ``[S, 10]`` what the network says of each frame, fed back.
    digits : (a's winner, b's winner).
    """

    t: np.ndarray
    frames: np.ndarray
    lengths: np.ndarray
    digits: tuple[int, int]

    @property
    def predictions(self) -> np.ndarray:
        return self.lengths.argmax(axis=1)

    @property
    def same_class(self) -> bool:
        return self.digits[0] == self.digits[1]


@torch.no_grad()
def morph(model: CapsNet, image_a: np.ndarray, image_b: np.ndarray, steps: int = STEPS) -> Morph:
    """Interpolate the winning capsules of two preprocessed ``[H, W]`` inputs in ``steps`` frames."""
    if steps < 2:
        raise ValueError(f"a morph needs at least 2 steps, got {steps}")
    out = model(torch.cat([as_batch(image_a, model), as_batch(image_b, model)]))
    digit_a, digit_b = (int(d) for d in out.lengths.argmax(dim=1))
    pose_a, pose_b = out.poses[0, digit_a], out.poses[1, digit_b]
    t = torch.linspace(0.0, 1.0, steps, device=pose_a.device)[:, None]
    masked = pose_a.new_zeros(steps, N_DIGITS, DIGIT_DIM)
    if digit_a == digit_b:
        masked[:, digit_a] = (1 - t) * pose_a + t * pose_b
    else:
        masked[:, digit_a] = (1 - t) * pose_a
        masked[:, digit_b] = t * pose_b
    side = model.input_size
    frames = model.decoder(masked.view(steps, -1)).view(steps, 1, side, side)
    lengths = model(frames).lengths
    return Morph(
        t[:, 0].float().cpu().numpy(),
        frames[:, 0].float().cpu().numpy(),
        lengths.float().cpu().numpy(),
        (digit_a, digit_b),
    )


def render_strip(result: Morph, scale: int = 4, title: str = "") -> Image.Image:
    """The frames side by side, each captioned with t and what the network reads in it."""
    frames = np.clip(result.frames, 0.0, 1.0)
    count, side = len(frames), frames.shape[-1] * scale
    gap, head, foot = 6, 28 if title else 8, 34
    picture = Image.new("RGB", (count * (side + gap) + gap, head + side + foot), (250, 250, 250))
    draw, font = ImageDraw.Draw(picture), caption_font()
    if title:
        draw.text((gap, 6), printable(font, title), fill=(30, 30, 30), font=font)
    for k, frame in enumerate(frames):
        tile = Image.fromarray((frame * 255).astype(np.uint8)).resize((side, side), Image.NEAREST)
        x = gap + k * (side + gap)
        picture.paste(tile.convert("RGB"), (x, head))
        read = int(result.predictions[k])
        colour = (40, 120, 60) if read in result.digits else (190, 60, 40)
        draw.text((x, head + side + 3), f"t = {result.t[k]:.2f}", fill=(90, 90, 90), font=font)
        caption = printable(font, f"→ {read}  {result.lengths[k, read]:.2f}")
        draw.text((x, head + side + 17), caption, fill=colour, font=font)
    return picture
