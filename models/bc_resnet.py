"""BC-ResNet-1 (kws_streaming bc_resnet): broadcasted residual blocks, streaming with external state."""

from hark.spec import load_spec

SPEC = {
    **load_spec("_speech_commands12").to_dict(),
    "name": "bc_resnet",
    "description": __doc__.strip(),
    "architecture": {"name": "bc_resnet", "params": {}},
    "streaming": {"mode": "stream_external"},
}
