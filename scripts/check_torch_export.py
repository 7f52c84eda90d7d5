"""Checks `e2e export --format torch` exports in PyTorch: for each group of four arguments,
imports the generated .py, loads the weights with strict=True, runs the inputs (NPY) in eval
mode and compares with the expected outputs (NPY). Prints the largest difference of each;
exits 1 when one is above the tolerance (default 1e-4) or fails to load.
Usage: python scripts/check_torch_export.py [--tolerance T] MODEL.py WEIGHTS.safetensors INPUTS.npy OUTPUTS.npy [...]"""
import importlib.util, sys
import numpy as np
import torch
from safetensors.torch import load_file

args = sys.argv[1:]
tolerance = 1e-4
if args[:1] == ["--tolerance"]:
    tolerance, args = float(args[1]), args[2:]
if not args or len(args) % 4:
    sys.exit(__doc__)
ok = True
for i in range(0, len(args), 4):
    source, weights, inputs, outputs = args[i:i + 4]
    spec = importlib.util.spec_from_file_location(f"exported{i}", source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.build_model()
    model.load_state_dict(load_file(weights), strict=True)
    model.eval()
    with torch.no_grad():
        y = model(torch.from_numpy(np.load(inputs))).numpy()
    expected = np.load(outputs)
    diff = float(np.abs(y - expected).max()) if y.shape == expected.shape else float("inf")
    print(f"{source}: strict load ok; outputs {list(y.shape)}, max |torch - expected| = {diff:.3g}")
    ok = ok and diff <= tolerance
sys.exit(0 if ok else 1)
