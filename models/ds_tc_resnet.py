"""DS-TC-ResNet / MatchboxNet (kws_streaming ds_tc_resnet), streaming with external state."""

from hark.spec import load_spec

SPEC = {
    **load_spec("_speech_commands12").to_dict(),
    "name": "ds_tc_resnet",
    "description": __doc__.strip(),
    "architecture": {"name": "ds_tc_resnet", "params": {}},
    "streaming": {"mode": "stream_external"},
}
