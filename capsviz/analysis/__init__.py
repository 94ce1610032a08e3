"""Qt-free analysis of a trained CapsNet: where, why and what its capsules encode.

Every module here works on numpy arrays and the model's tensors only, so the
numbers the app draws can be computed, tested and scripted without a display.
"""
