"""capsviz: look inside a Capsule Network."""

from __future__ import annotations

from capsviz.model import CapsNet, load_pretrained

__all__ = ["CapsNet", "load_pretrained"]
__version__ = "0.1.0"
