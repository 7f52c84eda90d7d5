"""Writes PyTorch reference values for EndToEnd's core ops to
Tests/EndToEndTests/Fixtures/core_ops.json.

Usage (PyTorch CPU as in ../shared/peers/README.md):
    /tmp/torch-venv/bin/python scripts/make_core_fixtures.py

Each case records the op, its inputs, the forward output and the gradient of
sum(output * weights) with respect to every input, all in float32.
"""
import json, os, torch
import torch.nn.functional as F

torch.manual_seed(0)
cases = []

def t(*shape, lo=None):
    x = torch.randn(*shape, dtype=torch.float32)
    if lo is not None:
        x = x.abs() + lo
    return x

def add(name, fn, inputs, **params):
    leaves = [x.clone().requires_grad_(True) for x in inputs]
    out = fn(*leaves)
    w = torch.linspace(-1, 1, out.numel()).reshape(out.shape) if out.numel() > 1 else torch.ones_like(out)
    (out * w).sum().backward()
    cases.append({
        "name": name, "params": params,
        "inputs": [{"shape": list(x.shape), "values": x.flatten().tolist()} for x in inputs],
        "output": {"shape": list(out.shape), "values": out.detach().flatten().tolist()},
        "weights": {"shape": list(w.shape), "values": w.flatten().tolist()},
        "grads": [{"shape": list(l.grad.shape), "values": l.grad.flatten().tolist()} for l in leaves],
    })

add("add", torch.add, [t(2, 3, 4), t(4)])
add("sub", torch.sub, [t(3, 1), t(1, 5)])
add("mul", torch.mul, [t(2, 3), t(2, 3)])
add("div", torch.div, [t(2, 3), t(3, lo=0.5)])
add("pow", torch.pow, [t(2, 3, lo=0.5), t(2, 3)])
add("maximum", torch.maximum, [t(4, 3), t(3)])
add("minimum", torch.minimum, [t(4, 3), t(3)])
for name, fn in [("neg", torch.neg), ("abs", torch.abs), ("exp", torch.exp), ("tanh", torch.tanh),
                 ("sigmoid", torch.sigmoid), ("relu", torch.relu), ("gelu", F.gelu), ("softplus", F.softplus)]:
    add(name, fn, [t(3, 5) * 3])
add("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), [t(3, 5) * 3])
add("leaky_relu", lambda x: F.leaky_relu(x, 0.1), [t(3, 5)])
add("log", torch.log, [t(3, 5, lo=0.1)])
add("sqrt", torch.sqrt, [t(3, 5, lo=0.1)])
add("clamp", lambda x: torch.clamp(x, -0.5, 0.7), [t(4, 4)])
add("softplus_beta2", lambda x: F.softplus(x, beta=2, threshold=5), [t(3, 5) * 4])
add("sum_axes", lambda x: x.sum(dim=(0, 2), keepdim=True), [t(2, 3, 4)])
add("mean_axis", lambda x: x.mean(dim=1), [t(2, 3, 4)])
add("var_unbiased", lambda x: x.var(dim=1), [t(3, 6)])
add("var_population", lambda x: x.var(dim=(0, 1), correction=0), [t(3, 6)])
add("amax", lambda x: x.amax(dim=1), [t(3, 6)])
add("amin", lambda x: x.amin(dim=0), [t(3, 6)])
add("logsumexp", lambda x: torch.logsumexp(x, dim=-1), [t(4, 7) * 5])
add("softmax", lambda x: torch.softmax(x, dim=-1), [t(4, 7) * 3])
add("softmax_axis0", lambda x: torch.softmax(x, dim=0), [t(4, 7) * 3])
add("log_softmax", lambda x: torch.log_softmax(x, dim=1), [t(2, 5, 3) * 3])
add("matmul", torch.matmul, [t(5, 7), t(7, 3)])
add("matmul_batched_broadcast", torch.matmul, [t(2, 1, 3, 4), t(3, 4, 5)])
add("matmul_vec", torch.matmul, [t(4), t(4, 3)])
add("where", lambda a, b: torch.where(torch.tensor([True, False, True]), a, b), [t(2, 3), t(3)])

path = os.path.join(os.path.dirname(__file__), "..", "Tests", "EndToEndTests", "Fixtures", "core_ops.json")
tmp = path + ".tmp"
with open(tmp, "w") as f:
    json.dump({"generator": f"torch {torch.__version__}", "cases": cases}, f)
os.replace(tmp, path)
print(f"wrote {len(cases)} cases to {os.path.normpath(path)}")
