"""Train the capsviz CapsNet on MNIST: ``python train_model.py --help``."""

from __future__ import annotations

import sys

from capsviz.training.cli import main

if __name__ == "__main__":
    sys.exit(main())
