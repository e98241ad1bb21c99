"""The model zoo: Keras 3 architectures registered by name, built from a model spec.

`build_model(spec, mode)` gives a model from float features `[batch, frames, channels]` to softmax probabilities
over `spec.labels`; `summarize(model)` counts parameters and MACs per layer.
"""

from hark.zoo import cnn, crnn, dnn, ds_cnn, speech_commands, svdf, tc_resnet, tiny_conv  # noqa: F401  (register)
from hark.zoo.registry import architecture, build_model, known_models, resolve_params
from hark.zoo.summary import summarize

__all__ = ["architecture", "build_model", "known_models", "resolve_params", "summarize"]
