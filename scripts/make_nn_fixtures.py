"""Writes PyTorch reference values for EndToEnd's modules and optimizers to
Tests/EndToEndNNTests/Fixtures/nn.json. Usage: /tmp/torch-venv/bin/python scripts/make_nn_fixtures.py"""
import json, os, torch

torch.manual_seed(0)
out = {"generator": f"torch {torch.__version__}"}

def flat(t): return {"shape": list(t.shape), "values": t.detach().flatten().tolist()}

# Linear forward and gradients.
lin = torch.nn.Linear(5, 3)
x = torch.randn(4, 5)
y = lin(x)
w = torch.linspace(-1, 1, y.numel()).reshape(y.shape)
(y * w).sum().backward()
out["linear"] = {"weight": flat(lin.weight), "bias": flat(lin.bias), "x": flat(x), "y": flat(y), "w": flat(w),
                 "grad_weight": flat(lin.weight.grad), "grad_bias": flat(lin.bias.grad)}

# Optimizers: three steps on a fixed quadratic-ish loss.
p0 = torch.randn(6)
target = torch.randn(6)
configs = {
    "sgd": lambda p: torch.optim.SGD([p], lr=0.1),
    "sgd_momentum_wd": lambda p: torch.optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01),
    "sgd_nesterov": lambda p: torch.optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True),
    "adam": lambda p: torch.optim.Adam([p], lr=0.01),
    "adam_wd": lambda p: torch.optim.Adam([p], lr=0.01, betas=(0.8, 0.95), eps=1e-5, weight_decay=0.1),
    "adamw": lambda p: torch.optim.AdamW([p], lr=0.01, weight_decay=0.1),
}
opt_out = {"p0": p0.tolist(), "target": target.tolist()}
for name, make in configs.items():
    p = p0.clone().requires_grad_(True)
    opt = make(p)
    traj = []
    for _ in range(3):
        opt.zero_grad()
        loss = ((p - target) ** 2 * torch.arange(1, 7)).sum() + (p ** 3).sum() * 0.1
        loss.backward()
        opt.step()
        traj.append(p.detach().clone().tolist())
    opt_out[name] = traj
out["optimizers"] = opt_out

path = os.path.join(os.path.dirname(__file__), "..", "Tests", "EndToEndNNTests", "Fixtures", "nn.json")
with open(path + ".tmp", "w") as f: json.dump(out, f)
os.replace(path + ".tmp", path)
print("wrote", os.path.normpath(path))
