"""Counterfactuals: decode a pose through another digit capsule, and feed the picture back.

"What would this look like as a 3?" puts the same 16 numbers into capsule 3's
slot of the decoder. Feeding any decoded picture back through the network
closes the loop: if the network still calls it the digit it was decoded as,
the change kept the identity. A decoded picture is fed back the way the app
would take it as input (:func:`capsviz.data.preprocess.preprocess`: full
contrast, 20-px box, centred), so "Use as input" gives the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from capsviz.analysis.inference import as_batch
from capsviz.data.preprocess import preprocess
from capsviz.model.capsnet import DIGIT_DIM, N_DIGITS, CapsNet


@dataclass
class Counterfactuals:
    """A pose decoded as every digit, and what the network says about each picture.

    Attributes
    ----------
    source : int
        The capsule the pose came from.
    pose : np.ndarray
        ``[16]`` the (possibly perturbed) pose.
    images : np.ndarray
        ``[10, 28, 28]`` the pose decoded through capsule 0 … 9.
    inputs : np.ndarray
        ``[10, 28, 28]`` those pictures as fed back to the network.
    lengths : np.ndarray
        ``[10, 10]`` row k: the lengths the network gives picture k.
    """

    source: int
    pose: np.ndarray
    images: np.ndarray
    inputs: np.ndarray
    lengths: np.ndarray

    @property
    def predictions(self) -> np.ndarray:
        """``[10]`` what the network calls each picture."""
        return self.lengths.argmax(axis=1)

    @property
    def kept(self) -> np.ndarray:
        """``[10]`` True where picture k is recognised as k."""
        return self.predictions == np.arange(N_DIGITS)


@torch.no_grad()
def decode_as(model: CapsNet, pose: np.ndarray, digits: int | np.ndarray) -> np.ndarray:
    """Decode a ``[16]`` pose through capsule ``digits`` (int → ``[28, 28]``, ``[K]`` → ``[K, 28, 28]``)."""
    pose = torch.as_tensor(np.asarray(pose, np.float32).reshape(1, DIGIT_DIM), device=model.device)
    if np.ndim(digits) == 0:
        return model.decode(pose, int(digits))[0, 0].float().cpu().numpy()
    targets = torch.as_tensor(np.asarray(digits), device=model.device).long()
    return model.decode(pose.expand(len(targets), -1), targets)[:, 0].float().cpu().numpy()


@torch.no_grad()
def feed_back(model: CapsNet, images: np.ndarray) -> np.ndarray:
    """Lengths ``[N, 10]`` the network gives ``[N, 28, 28]`` (or one ``[28, 28]`` → ``[10]``) pictures."""
    lengths = model(as_batch(images, model)).lengths.float().cpu().numpy()
    return lengths[0] if np.ndim(images) == 2 else lengths


def counterfactuals(model: CapsNet, pose: np.ndarray, source: int, normalise: bool = True) -> Counterfactuals:
    """Decode ``pose`` as each of the 10 digits and classify every picture (one batch each way).

    ``normalise`` feeds each picture back as the app would take it as input;
    without it the raw decoder output is classified.
    """
    images = decode_as(model, pose, np.arange(N_DIGITS))
    inputs = np.stack([preprocess(image) for image in images]) if normalise else images
    return Counterfactuals(
        int(source), np.asarray(pose, np.float32), images, inputs, feed_back(model, inputs)
    )
