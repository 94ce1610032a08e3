"""capsviz: look inside a Capsule Network.

>>> import capsviz
>>> model = capsviz.load_pretrained()
>>> out = model(images)            # images: [B, 1, 28, 28] in [0, 1]
>>> cnn = capsviz.load_baseline()  # the CNN it is compared with: cnn(images) → logits [B, 10]
"""

from __future__ import annotations

from capsviz.data.preprocess import preprocess
from capsviz.model import CapsNet, load_pretrained
from capsviz.model.baseline import load_baseline

__all__ = ["CapsNet", "load_baseline", "load_pretrained", "preprocess"]
__version__ = "0.1.0"
