"""Qt-free data handling: MNIST loading and drawing-to-MNIST preprocessing."""
