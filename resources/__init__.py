"""Data files shipped with capsviz: trained weights and the MNIST test set."""
