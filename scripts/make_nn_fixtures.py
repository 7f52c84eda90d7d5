"""Writes PyTorch reference values for EndToEnd's modules and optimizers to
Tests/EndToEndNNTests/Fixtures/nn.safetensors. Usage: /tmp/torch-venv/bin/python scripts/make_nn_fixtures.py

Keys are hierarchical, e.g. `linear/weight`, `layers/batchnorm1d/grads/weight`,
`optimizers/adam/step2`, `schedules/cosine`, `losses/cross_entropy/mean/value`. Floating-point
data is float32 (scalars have shape []), integer data (labels, token ids) int64; the
generator (torch version) is in the file's metadata."""
import os, torch
from safetensors.torch import save_file

torch.manual_seed(0)
tensors = {}
metadata = {"generator": f"torch {torch.__version__}"}

def f32(t): return torch.as_tensor(t).detach().to(torch.float32).contiguous().clone()
def i64(t): return torch.as_tensor(t).detach().to(torch.int64).contiguous().clone()

def put(prefix, case):
    """Stores a nested dict of tensors under `prefix/key/...`."""
    for k, v in case.items():
        if isinstance(v, dict): put(f"{prefix}/{k}", v)
        else: tensors[f"{prefix}/{k}"] = v

def flat(t): return f32(t)

# Linear forward and gradients.
lin = torch.nn.Linear(5, 3)
x = torch.randn(4, 5)
y = lin(x)
w = torch.linspace(-1, 1, y.numel()).reshape(y.shape)
(y * w).sum().backward()
put("linear", {"weight": flat(lin.weight), "bias": flat(lin.bias), "x": flat(x), "y": flat(y), "w": flat(w),
                 "grad_weight": flat(lin.weight.grad), "grad_bias": flat(lin.bias.grad)})

# Normalization layers and embedding: forward and gradients with random affine weights;
# batch norm also the running statistics after one training step, and eval-mode output.
def layer_case(mod, x, int_input=False):
    for prm in mod.parameters():
        with torch.no_grad(): prm.copy_(torch.randn_like(prm))
    params = {n: flat(p) for n, p in mod.named_parameters()}
    xi = x if int_input else x.clone().requires_grad_(True)
    y = mod(xi)
    w = torch.linspace(-1, 1, y.numel()).reshape(y.shape)
    (y * w).sum().backward()
    case = {"params": params, "x": i64(x) if int_input else flat(x), "y": flat(y), "w": flat(w),
            "grads": {n: flat(p.grad) for n, p in mod.named_parameters()}}
    if not int_input: case["grad_x"] = flat(xi.grad)
    bufs = {n: flat(b.float()) for n, b in mod.named_buffers()}
    if bufs:
        case["buffers"] = bufs
        mod.eval(); case["y_eval"] = flat(mod(x))
    return case
layers = {
    "batchnorm1d": layer_case(torch.nn.BatchNorm1d(3), torch.randn(5, 3)),
    "batchnorm1d_seq": layer_case(torch.nn.BatchNorm1d(3), torch.randn(4, 3, 6)),
    "batchnorm2d": layer_case(torch.nn.BatchNorm2d(2), torch.randn(3, 2, 4, 5) * 2 + 1),
    "layernorm": layer_case(torch.nn.LayerNorm([3, 4]), torch.randn(2, 3, 4)),
    "conv2d": layer_case(torch.nn.Conv2d(2, 4, 3, stride=2, padding=1), torch.randn(2, 2, 7, 6)),
    "conv2d_groups": layer_case(torch.nn.Conv2d(4, 6, (3, 2), dilation=(1, 2), groups=2, bias=False), torch.randn(1, 4, 6, 7)),
    "conv1d": layer_case(torch.nn.Conv1d(3, 2, 3, padding=2), torch.randn(2, 3, 8)),
    "maxpool2d": layer_case(torch.nn.MaxPool2d(2), torch.randn(2, 3, 6, 5)),
    "avgpool2d": layer_case(torch.nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), torch.randn(2, 2, 7, 7)),
    "embedding": layer_case(torch.nn.Embedding(7, 3), torch.tensor([[1, 2, 1], [6, 0, 1]]), int_input=True),
}
put("layers", layers)

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
    "rmsprop": lambda p: torch.optim.RMSprop([p], lr=0.01),
    "rmsprop_centered_momentum": lambda p: torch.optim.RMSprop([p], lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.01),
    "adagrad": lambda p: torch.optim.Adagrad([p], lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1),
}
opt_out = {"p0": f32(p0), "target": f32(target)}
for name, make in configs.items():
    p = p0.clone().requires_grad_(True)
    opt = make(p)
    traj = {}
    for step in range(1, 4):
        opt.zero_grad()
        loss = ((p - target) ** 2 * torch.arange(1, 7)).sum() + (p ** 3).sum() * 0.1
        loss.backward()
        opt.step()
        traj[f"step{step}"] = f32(p)
    opt_out[name] = traj
put("optimizers", opt_out)

# Learning-rate schedules: the rate after each of 12 scheduler steps, base rate 0.1.
def lrs(make, n=12):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    sch = make(opt)
    rates = [opt.param_groups[0]["lr"]]
    for _ in range(n):
        opt.step(); sch.step(); rates.append(opt.param_groups[0]["lr"])
    return f32(rates)
schedules = {
    "step": lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5)),
    "exponential": lrs(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9)),
    "cosine": lrs(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.01)),
    "onecycle": lrs(lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=13), 12),
}
def plateau():
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    sch = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1)
    rates = []
    for m in [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85]:
        sch.step(m); rates.append(opt.param_groups[0]["lr"])
    return f32(rates)
schedules["plateau"] = plateau()
put("schedules", schedules)

# Losses: value and gradient w.r.t. the prediction for each reduction.
import torch.nn.functional as F
logits = torch.randn(6, 4) * 2
labels = torch.tensor([0, 3, 1, 1, 2, 3])
cw = torch.tensor([0.5, 1.0, 2.0, 1.5])
pred, tgt = torch.randn(3, 5), torch.randn(3, 5)
bin_t = (torch.rand(3, 5) > 0.5).float()
pm = torch.where(torch.rand(3, 5) > 0.5, 1.0, -1.0)
logp = torch.log_softmax(torch.randn(3, 5), 1)
q = torch.softmax(torch.randn(3, 5), 1)
loss_cases = {
    "mse": (lambda x, r: F.mse_loss(x, tgt, reduction=r), pred),
    "l1": (lambda x, r: F.l1_loss(x, tgt, reduction=r), pred),
    "huber": (lambda x, r: F.huber_loss(x, tgt * 2, reduction=r, delta=0.7), pred),
    "hinge": (lambda x, r: getattr(torch, r if r != "none" else "clone")(torch.clamp(1 - pm * x, min=0)), pred),
    "kl": (lambda x, r: F.kl_div(x, q, reduction=r), logp),
    "bce_logits": (lambda x, r: F.binary_cross_entropy_with_logits(x, bin_t, reduction=r), pred * 3),
    "bce_logits_posweight": (lambda x, r: F.binary_cross_entropy_with_logits(x, bin_t, pos_weight=torch.tensor([1., 2, 3, 4, 5]), reduction=r), pred * 3),
    "cross_entropy": (lambda x, r: F.cross_entropy(x, labels, reduction=r), logits),
    "cross_entropy_weight": (lambda x, r: F.cross_entropy(x, labels, weight=cw, reduction=r), logits),
    "cross_entropy_smooth": (lambda x, r: F.cross_entropy(x, labels, label_smoothing=0.2, reduction=r), logits),
    "cross_entropy_weight_smooth": (lambda x, r: F.cross_entropy(x, labels, weight=cw, label_smoothing=0.1, reduction=r), logits),
    "nll": (lambda x, r: F.nll_loss(torch.log_softmax(x, 1), labels, weight=cw, reduction=r), logits),
}
losses = {"tgt": flat(tgt), "labels": i64(labels), "cw": f32(cw), "bin_t": flat(bin_t), "pm": flat(pm), "q": flat(q)}
for name, (fn, x0) in loss_cases.items():
    for r in ["mean", "sum", "none"]:
        x = x0.clone().requires_grad_(True)
        v = fn(x, r)
        wv = torch.linspace(-1, 1, v.numel()).reshape(v.shape) if v.numel() > 1 else torch.ones_like(v)
        (v * wv).sum().backward()
        losses[f"{name}/{r}"] = {"x": flat(x0), "value": flat(v), "grad": flat(x.grad)}
losses["kl/batchmean"] = {"x": flat(logp), "value": flat(F.kl_div(logp, q, reduction="batchmean")), "grad": flat(torch.zeros(1))}
put("losses", losses)

path = os.path.join(os.path.dirname(__file__), "..", "Tests", "EndToEndNNTests", "Fixtures", "nn.safetensors")
tmp = path + ".tmp"
save_file(tensors, tmp, metadata=metadata)
os.replace(tmp, path)
print("wrote", os.path.normpath(path), f"({len(tensors)} tensors, {os.path.getsize(path)} bytes)")
