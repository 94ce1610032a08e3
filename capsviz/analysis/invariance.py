"""Invariance playground: move the input and see what the capsules do.

The capsule claim is *equivariance*: rotating, scaling or shifting a digit
should move the pose while the length (the identity) holds. Transforms are
applied with ``affine_grid``/``grid_sample`` about the image centre.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F

from capsviz.analysis.inference import as_batch
from capsviz.model.baseline import BaselineCNN
from capsviz.model.capsnet import IMAGE_SIZE, CapsNet

HALF = IMAGE_SIZE / 2


@dataclass(frozen=True)
class Transform:
    """A small affine change of the input.

    Attributes
    ----------
    rotation : float
        Degrees, counter-clockwise as seen on screen.
    scale : float
        Size factor (1 = unchanged).
    shift_x, shift_y : float
        Pixels to the right and down.
    shear : float
        Horizontal shear: x moves by ``shear`` pixels per pixel above the centre (positive leans right).
    """

    rotation: float = 0.0
    scale: float = 1.0
    shift_x: float = 0.0
    shift_y: float = 0.0
    shear: float = 0.0

    @property
    def is_identity(self) -> bool:
        return self == Transform()

    def forward_matrix(self) -> np.ndarray:
        """``[2, 3]`` map from input to output pixel offsets (x right, y down) about the centre."""
        angle = math.radians(self.rotation)
        cos, sin = math.cos(angle), math.sin(angle)
        rotate = np.array([[cos, sin], [-sin, cos]])  # counter-clockwise on screen (y down)
        shear = np.array([[1.0, -self.shear], [0.0, 1.0]])
        linear = rotate @ shear * self.scale
        return np.hstack([linear, [[self.shift_x], [self.shift_y]]])

    def sampling_theta(self, half: float = HALF) -> np.ndarray:
        """``[2, 3]`` theta for ``affine_grid``: output → input in normalised coordinates
        (``half``: half the image side in pixels)."""
        forward = self.forward_matrix()
        inverse = np.linalg.inv(forward[:, :2])
        offset = -inverse @ (forward[:, 2] / half)
        return np.hstack([inverse, offset[:, None]])

    def with_value(self, name: str, value: float) -> Transform:
        """A copy with one parameter changed."""
        return replace(self, **{name: float(value)})


def transform_images(images: np.ndarray, transforms: list[Transform]) -> np.ndarray:
    """Apply ``transforms[k]`` to ``images[k]`` (``[N, S, S]`` in [0, 1], 28×28 or any square); zero fill
    outside."""
    data = torch.as_tensor(np.asarray(images, np.float32))[:, None]
    half = data.shape[-1] / 2
    theta = torch.as_tensor(np.stack([t.sampling_theta(half) for t in transforms]), dtype=torch.float32)
    grid = F.affine_grid(theta, list(data.shape), align_corners=False)
    out = F.grid_sample(data, grid, mode="bilinear", padding_mode="zeros", align_corners=False)[:, 0].numpy()
    for k, transform in enumerate(transforms):
        if transform.is_identity:
            out[k] = images[k]
    return out


def transform_image(image: np.ndarray, transform: Transform) -> np.ndarray:
    """One ``[28, 28]`` image moved by ``transform``; the identity returns the input unchanged."""
    return transform_images(np.asarray(image, np.float32)[None], [transform])[0]


@dataclass
class InvarianceReport:
    """The original and the moved image side by side, as the network sees them.

    Attributes
    ----------
    original, moved : np.ndarray
        ``[28, 28]`` images.
    original_lengths, lengths : np.ndarray
        ``[10]`` capsule lengths of each.
    original_poses, poses : np.ndarray
        ``[10, 16]`` digit capsules of each.
    """

    transform: Transform
    original: np.ndarray
    moved: np.ndarray
    original_lengths: np.ndarray
    lengths: np.ndarray
    original_poses: np.ndarray
    poses: np.ndarray

    @property
    def original_prediction(self) -> int:
        return int(self.original_lengths.argmax())

    @property
    def prediction(self) -> int:
        return int(self.lengths.argmax())

    @property
    def identity_kept(self) -> bool:
        return self.prediction == self.original_prediction

    @property
    def pose_change(self) -> np.ndarray:
        """``[16]`` how the original winner's pose moved."""
        j = self.original_prediction
        return self.poses[j] - self.original_poses[j]


@torch.no_grad()
def invariance_report(model: CapsNet, image: np.ndarray, transform: Transform) -> InvarianceReport:
    """Classify ``image`` and its transformed copy in one batch of two."""
    image = np.asarray(image, np.float32)
    moved = transform_image(image, transform)
    out = model(as_batch(np.stack([image, moved]), model))
    lengths = out.lengths.float().cpu().numpy()
    poses = out.poses.float().cpu().numpy()
    return InvarianceReport(transform, image, moved, lengths[0], lengths[1], poses[0], poses[1])


@dataclass
class InvarianceSweep:
    """Lengths as one transform parameter runs over a range.

    Attributes
    ----------
    parameter : str
        The :class:`Transform` field swept.
    values : np.ndarray
        ``[N]`` its values.
    lengths : np.ndarray
        ``[N, 10]`` capsule lengths at each value.
    cnn : np.ndarray or None
        ``[N, 10]`` the CNN baseline's class probabilities for the same moved
        images, when a baseline was given.
    """

    parameter: str
    values: np.ndarray
    lengths: np.ndarray
    cnn: np.ndarray | None = None


@torch.no_grad()
def invariance_sweep(
    model: CapsNet,
    image: np.ndarray,
    base: Transform,
    parameter: str,
    values: np.ndarray,
    baseline: BaselineCNN | None = None,
) -> InvarianceSweep:
    """Lengths of ``image`` moved by ``base`` with ``parameter`` set to each of ``values`` (one batch).

    With a ``baseline`` CNN, its class probabilities for the very same moved images come too.
    """
    values = np.asarray(values, np.float32)
    transforms = [base.with_value(parameter, v) for v in values]
    image = np.asarray(image, np.float32)
    moved = transform_images(np.repeat(image[None], len(values), axis=0), transforms)
    lengths = model(as_batch(moved, model)).lengths.float().cpu().numpy()
    cnn = None
    if baseline is not None:
        cnn = (
            baseline.probabilities(torch.from_numpy(moved)[:, None].to(baseline.device)).float().cpu().numpy()
        )
    return InvarianceSweep(parameter, values, lengths, cnn)
