"""The model zoo: Keras 3 architectures registered by name, built from a model spec.

`build_model(spec, mode)` gives a model from float features `[batch, frames, channels]` to softmax probabilities
over `spec.labels`; `hark.evaluate.summary` counts parameters and MACs.
"""

from hark.zoo import (  # noqa: F401  (importing a family registers it)
    cnn,
    crnn,
    dnn,
    ds_cnn,
    rnn,
    speech_commands,
    svdf,
    tc_resnet,
    tiny_conv,
)
from hark.zoo.registry import architecture, build_model, known_models, resolve_params, to_streaming

__all__ = ["architecture", "build_model", "known_models", "resolve_params", "to_streaming"]
