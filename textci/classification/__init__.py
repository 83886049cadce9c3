"""Passages -> predictions: one estimator contract, several classifiers, one default.

    model = textci.load_model()                 # models/default
    predictions = model.classify(samples)       # list[Prediction]
"""
from .model import CLASSIFIERS, Model, load, train
from .training import load_training

__all__ = ["CLASSIFIERS", "Model", "load", "load_training", "train"]
