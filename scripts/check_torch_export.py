"""Checks an `e2e export --format torch` export in PyTorch: imports the generated .py, loads the
weights with strict=True, runs the inputs (NPY) in eval mode and compares with the expected
outputs (NPY). Prints the largest difference; exits 1 above the tolerance.
Usage: python scripts/check_torch_export.py MODEL.py WEIGHTS.safetensors INPUTS.npy OUTPUTS.npy [TOL]"""
import importlib.util, sys
import numpy as np
import torch
from safetensors.torch import load_file

source, weights, inputs, outputs = sys.argv[1:5]
tolerance = float(sys.argv[5]) if len(sys.argv) > 5 else 1e-4
spec = importlib.util.spec_from_file_location("exported", source)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
model = module.build_model()
model.load_state_dict(load_file(weights), strict=True)
model.eval()
with torch.no_grad():
    y = model(torch.from_numpy(np.load(inputs))).numpy()
expected = np.load(outputs)
diff = float(np.abs(y - expected).max()) if y.shape == expected.shape else float("inf")
print(f"strict load ok; outputs {list(y.shape)}, max |torch - expected| = {diff:.3g}")
sys.exit(0 if diff <= tolerance else 1)
