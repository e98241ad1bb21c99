"""SVDF-ResNet (kws_streaming svdf_resnet): residual SVDF blocks, streaming with external state."""

from hark.spec import load_spec

SPEC = {
    **load_spec("_speech_commands12").to_dict(),
    "name": "svdf_resnet",
    "description": __doc__.strip(),
    "architecture": {"name": "svdf_resnet", "params": {}},
    "streaming": {"mode": "stream_external"},
}
