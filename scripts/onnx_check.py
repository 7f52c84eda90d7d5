"""Checks ONNX models exported by EndToEnd (`e2e export --format onnx`) and runs them.

Usage: python3 scripts/onnx_check.py MODEL.onnx INPUT.npy OUTPUT.npy [MODEL INPUT OUTPUT ...]

For each triple: loads the model, runs onnx.checker.check_model with full_check (which
includes strict shape inference), runs INPUT (float32, [batch, ...]) through onnxruntime's
CPU provider and writes the model's first output to OUTPUT (float32). Prints one JSON line
per model (opset, input and output shapes, onnx and onnxruntime versions). Exits non-zero,
naming the model, when a check or the run fails. Needs `pip install onnx onnxruntime numpy`."""
import json, os, sys

import numpy as np
import onnx
import onnxruntime as ort


def check(model_path, input_path, output_path):
    model = onnx.load(model_path)
    onnx.checker.check_model(model, full_check=True)
    session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    x = np.load(input_path).astype(np.float32)
    name = session.get_inputs()[0].name
    y = session.run(None, {name: x})[0].astype(np.float32)
    tmp = output_path + ".tmp.npy"
    np.save(tmp, y)
    os.replace(tmp, output_path)
    return {"model": model_path, "opset": max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx")),
            "ir_version": model.ir_version, "input": list(x.shape), "output": list(y.shape),
            "declared_input": [d.dim_param or d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim],
            "onnx": onnx.__version__, "onnxruntime": ort.__version__}


def main(args):
    if len(args) == 0 or len(args) % 3 != 0:
        sys.exit(__doc__)
    for i in range(0, len(args), 3):
        try:
            print(json.dumps(check(*args[i:i + 3])), flush=True)
        except Exception as e:  # noqa: BLE001 - report which model failed and why
            sys.exit(f"{args[i]}: {type(e).__name__}: {e}")


if __name__ == "__main__":
    main(sys.argv[1:])
