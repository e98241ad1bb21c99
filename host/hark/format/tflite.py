"""Facts read from a `.tflite` flatbuffer: I/O tensors with their quantization, the op list, MACs per call.

This is the project's one MAC counter: it counts the graph that runs (the exported model, or a Keras model
converted to float TFLite for `hark summarize`), multiplies of convolutions, fully connected layers and LSTM cells,
with a WHILE loop's body counted once per iteration.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from hark.format.flatbuffer import model_object, schema

_TYPES = {v: k.lower() for k, v in vars(schema.TensorType).items() if not k.startswith("_")}
_OPS = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}


@dataclass(frozen=True)
class TensorInfo:
    index: int  # tensor index in the subgraph
    name: str
    dtype: str
    shape: tuple[int, ...]
    scales: tuple[float, ...] = ()
    zero_points: tuple[int, ...] = ()


@dataclass
class OpInfo:
    name: str
    macs: int  # for a WHILE: its body's MACs times its trip count
    output_shape: tuple[int, ...]
    subgraph: int = 0


@dataclass
class ModelInfo:
    size_bytes: int
    inputs: list[TensorInfo]
    outputs: list[TensorInfo]
    ops: list[OpInfo] = field(default_factory=list)

    @property
    def macs(self) -> int:
        """MACs of one invoke: the main subgraph's ops (loop bodies are inside their WHILE's count)."""
        return sum(op.macs for op in self.ops if op.subgraph == 0)

    @property
    def op_counts(self) -> dict[str, int]:
        return dict(Counter(op.name for op in self.ops))


def _load(tflite: bytes) -> schema.ModelT:
    return model_object(tflite)


def _tensor(model: schema.ModelT, sg: schema.SubGraphT, index: int) -> TensorInfo:
    t = sg.tensors[index]
    q = t.quantization
    scales = tuple(float(s) for s in (q.scale if q is not None and q.scale is not None else ()))
    zps = tuple(int(z) for z in (q.zeroPoint if q is not None and q.zeroPoint is not None else ()))
    name = t.name.decode() if isinstance(t.name, bytes) else str(t.name)
    shape = tuple(int(d) for d in (t.shape if t.shape is not None else ()))
    return TensorInfo(int(index), name, _TYPES.get(t.type, str(t.type)), shape, scales, zps)


def builtin_name(code: int) -> str | None:
    """TFLite's name for a builtin operator code, or None for a code this schema does not have."""
    return _OPS.get(code)


def op_name(model: schema.ModelT, op: schema.OperatorT) -> str:
    """The builtin operator's name (or a custom op's code) of `op`."""
    code = model.operatorCodes[op.opcodeIndex]
    builtin = max(code.builtinCode, code.deprecatedBuiltinCode)
    if builtin == schema.BuiltinOperator.CUSTOM:
        custom = code.customCode
        return custom.decode() if isinstance(custom, bytes) else str(custom)
    return _OPS.get(builtin, str(builtin))


def _shape(sg: schema.SubGraphT, index: int) -> tuple[int, ...]:
    if index < 0:
        return ()
    s = sg.tensors[index].shape
    return tuple(int(d) for d in s) if s is not None else ()


def _macs(name: str, sg: schema.SubGraphT, op: schema.OperatorT) -> int:
    ins = list(op.inputs) if op.inputs is not None else []
    outs = list(op.outputs) if op.outputs is not None else []
    if not outs:
        return 0
    out_elems = int(np.prod(_shape(sg, outs[0]) or (0,)))
    if name == "CONV_2D" and len(ins) > 1:
        _, kh, kw, cin = _shape(sg, ins[1])
        return out_elems * kh * kw * cin
    if name == "DEPTHWISE_CONV_2D" and len(ins) > 1:
        _, kh, kw, _ = _shape(sg, ins[1])
        return out_elems * kh * kw
    if name == "FULLY_CONNECTED" and len(ins) > 1:
        return out_elems * _shape(sg, ins[1])[-1]
    if name == "BATCH_MATMUL" and len(ins) > 1:
        a = _shape(sg, ins[0])
        return out_elems * (a[-1] if a else 0)
    if name == "TRANSPOSE_CONV" and len(ins) > 2:
        _, kh, kw, _ = _shape(sg, ins[1])
        return int(np.prod(_shape(sg, ins[2]))) * kh * kw * _shape(sg, ins[1])[0]
    if name == "UNIDIRECTIONAL_SEQUENCE_LSTM" and len(ins) > 5:
        # four gates, each an input and a recurrent matmul per step: out = [batch, time, units]
        features, units = _shape(sg, ins[0])[-1], _shape(sg, outs[0])[-1]
        return out_elems * 4 * (features + units)
    return 0


def _trip_count(model: schema.ModelT, cond: schema.SubGraphT) -> int:
    """Iterations of a WHILE whose condition compares its counter with constants (as the converter writes an
    RNN over time): the smallest int32 scalar constant a LESS in the condition reads; 1 if there is none."""
    bounds = []
    for op in cond.operators or []:
        if op_name(model, op) != "LESS":
            continue
        for i in op.inputs:
            t = cond.tensors[i]
            data = model.buffers[t.buffer].data if t.buffer < len(model.buffers) else None
            if data is not None and len(data) == 4 and t.type == schema.TensorType.INT32:
                bounds.append(int(np.frombuffer(bytes(data), "<i4")[0]))
    return max(1, min(bounds)) if bounds else 1


def _subgraph_ops(model: schema.ModelT, index: int) -> list[OpInfo]:
    sg = model.subgraphs[index]
    out = []
    for op in sg.operators or []:
        name = op_name(model, op)
        outs = list(op.outputs) if op.outputs is not None else []
        macs = _macs(name, sg, op)
        if name == "WHILE" and op.builtinOptions is not None:
            o = op.builtinOptions
            body = sum(x.macs for x in _subgraph_ops(model, o.bodySubgraphIndex) if x.subgraph == o.bodySubgraphIndex)
            macs = body * _trip_count(model, model.subgraphs[o.condSubgraphIndex])
        out.append(OpInfo(name, macs, _shape(sg, outs[0]) if outs else (), index))
    return out


def model_tensors(tflite: bytes) -> tuple[list[TensorInfo], list[TensorInfo]]:
    """(inputs, outputs) of the main subgraph, in the model's I/O order."""
    model = _load(tflite)
    sg = model.subgraphs[0]
    return [_tensor(model, sg, i) for i in sg.inputs], [_tensor(model, sg, i) for i in sg.outputs]


def io_names(tflite: bytes) -> tuple[list[str], list[str]]:
    """Names of the inputs and outputs in I/O order: the signature's keys when the model has a signature
    (the Keras input/output names), else the tensor names."""
    model = _load(tflite)
    sg = model.subgraphs[0]
    by_tensor: dict[int, str] = {}
    for sig in model.signatureDefs or []:
        for t in list(sig.inputs or []) + list(sig.outputs or []):
            by_tensor[int(t.tensorIndex)] = t.name.decode() if isinstance(t.name, bytes) else str(t.name)

    def name(i: int) -> str:
        return by_tensor.get(int(i)) or _tensor(model, sg, i).name

    return [name(i) for i in sg.inputs], [name(i) for i in sg.outputs]


def model_info(tflite: bytes) -> ModelInfo:
    model = _load(tflite)
    sg = model.subgraphs[0]
    info = ModelInfo(
        size_bytes=len(tflite),
        inputs=[_tensor(model, sg, i) for i in sg.inputs],
        outputs=[_tensor(model, sg, i) for i in sg.outputs],
    )
    for index in range(len(model.subgraphs)):
        info.ops.extend(_subgraph_ops(model, index))
    return info
