"""The model zoo: Keras 3 architectures registered by name, built from a model spec.

`build_model(spec, mode)` gives a model from float features `[batch, frames, channels]` to softmax probabilities
over `spec.labels`; `hark.evaluate.summary` counts parameters and MACs.
"""

from hark.zoo import (  # noqa: F401  (importing a family registers it)
    att_rnn,
    bc_resnet,
    cnn,
    crnn,
    dnn,
    ds_cnn,
    ds_tc_resnet,
    inception,
    mobilenet,
    rnn,
    speech_commands,
    svdf,
    svdf_resnet,
    tc_resnet,
    tenet,
    tiny_conv,
    xception,
)
from hark.zoo.registry import architecture, build_model, known_models, resolve_params, to_streaming

__all__ = ["architecture", "build_model", "known_models", "resolve_params", "to_streaming"]
