#!/usr/bin/env python3
"""Random op chains against PyTorch (CPU, float64): Tests/EndToEndTests/Fixtures/opchains.json.

Each chain starts from a random input (sometimes a strided view: transposed, permuted or
sliced with a step), applies 2-6 ops picked at random among those valid for the current
shape and values (binary ops take fresh inputs of broadcastable shapes, themselves
sometimes strided views; log, sqrt and powers only where every value is positive), and
records the output and the gradients of sum(output * w) with respect to every input's base
tensor. Chains whose values or gradients are not finite or exceed 1e4 are drawn again.

    /tmp/torch-venv/bin/python scripts/make_opchain_fixtures.py   # PyTorch 2.13.0+cpu
"""
import json, math, os, random
import torch

rng = random.Random(2026)
torch.manual_seed(2026)
OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "EndToEndTests", "Fixtures", "opchains.json")
CHAINS = 300


def rand_shape(rank=None):
    rank = rng.randint(1, 3) if rank is None else rank
    return [rng.randint(1, 4) for _ in range(rank)]


def make_input(shape, positive=False):
    """A fresh input: base tensor values plus how the chain views it."""
    view = rng.choice(["none", "none", "transpose", "slice"]) if len(shape) >= 1 else "none"
    if view == "transpose" and len(shape) >= 2:
        base = [shape[1], shape[0]] + shape[2:]
    elif view == "slice":
        base = [shape[0] * 2] + shape[1:]
    else:
        view, base = "none", list(shape)
    t = torch.rand(base, dtype=torch.float64) * 1.5 + 0.5 if positive else torch.randn(base, dtype=torch.float64)
    return {"shape": base, "values": [round(v, 6) for v in t.flatten().tolist()], "view": view}


def apply_view(spec, t):
    if spec["view"] == "transpose":
        return t.transpose(0, 1)
    if spec["view"] == "slice":
        return t[0::2]
    return t


def broadcast_partner(shape):
    s = list(shape)
    k = rng.randint(0, len(s))
    s = s[k:]  # drop leading dims
    return [d if rng.random() < 0.7 else 1 for d in s]


def axes_choice(rank):
    r = rng.random()
    if r < 0.15 or rank == 0:
        return []  # every axis: the defect of issue 15
    k = rng.randint(1, rank)
    return sorted(rng.sample(range(rank), k))


def candidates(x):
    shape, rank = list(x.shape), x.dim()
    pos = bool((x > 0.05).all()) and x.numel() > 0
    ops = ["abs", "exp", "square", "neg", "tanh", "sigmoid", "relu", "leaky_relu", "gelu", "gelu_tanh", "softplus", "clamp",
           "add", "sub", "mul", "div", "maximum", "minimum", "pow_tensor_exp", "contiguous"]
    if pos:
        ops += ["log", "sqrt", "pow_scalar", "pow", "div_by"]
    if rank >= 1:
        ops += ["where", "masked_fill", "sum", "mean", "max", "min", "logsumexp", "softmax", "log_softmax", "unsqueeze", "repeat", "concat", "stack",
                "index_select", "gather", "slice", "flatten", "reshape", "expand", "chunk"]
        if x.numel() > 1:
            ops += ["variance", "std"]
    if rank >= 2:
        ops += ["transpose", "permute", "select", "matmul", "linear"]
    if rank == 2 and shape[0] >= 1 and shape[1] >= 2:
        ops += ["cross_entropy"]
    if rank == 3:
        ops += ["conv1d", "max_pool1d", "avg_pool1d"]
    if rank == 4:
        ops += ["conv2d", "max_pool2d", "avg_pool2d", "global_avg_pool2d"]
    if 1 in shape:
        ops += ["squeeze"]
    return ops


def step(x, inputs, tensors):
    """Applies one random op to x; returns (op record, new x) or None when it does not apply."""
    shape, rank = list(x.shape), x.dim()
    op = rng.choice(candidates(x))

    def fresh(s, positive=False):
        spec = make_input(s, positive)
        base = torch.tensor(spec["values"], dtype=torch.float64).reshape(spec["shape"]).requires_grad_()
        inputs.append(spec)
        tensors.append(base)
        return len(inputs) - 1, apply_view(spec, base)

    rec = {"op": op}
    if op in ("abs", "exp", "square", "neg", "tanh", "sigmoid", "relu", "gelu", "softplus", "log", "sqrt", "contiguous"):
        f = {"abs": torch.abs, "exp": torch.exp, "square": torch.square, "neg": torch.neg, "tanh": torch.tanh,
             "sigmoid": torch.sigmoid, "relu": torch.relu, "gelu": torch.nn.functional.gelu,
             "softplus": torch.nn.functional.softplus, "log": torch.log, "sqrt": torch.sqrt, "contiguous": lambda t: t.contiguous()}[op]
        return rec, f(x)
    if op == "leaky_relu":
        return rec, torch.nn.functional.leaky_relu(x, 0.1)
    if op == "gelu_tanh":
        return rec, torch.nn.functional.gelu(x, approximate="tanh")
    if op == "clamp":
        return rec, x.clamp(-1.1, 0.9)
    if op == "pow_scalar":
        return rec, x.pow(1.7)
    if op in ("add", "sub", "mul", "div", "maximum", "minimum", "pow", "pow_tensor_exp", "div_by"):
        ps = broadcast_partner(shape)
        i, y = fresh(ps, positive=op in ("div",))
        rec["input"] = i
        if op == "pow_tensor_exp":  # a positive base from the partner, the chain's value as exponent
            rec["op"] = op
            base = y.abs() + 0.5
            return rec, base.pow(x.clamp(-2, 2))
        f = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "maximum": torch.maximum,
             "minimum": torch.minimum, "pow": torch.pow, "div_by": lambda a, b: b / a}[op]
        return rec, f(x, y)
    if op == "where":
        ps = broadcast_partner(shape)
        i, y = fresh(ps)
        mask = [float(rng.random() < 0.5) for _ in range(shape[-1])]
        rec.update(input=i, mask=mask)
        return rec, torch.where(torch.tensor(mask, dtype=torch.float64) != 0, x, y)
    if op == "masked_fill":
        mask = [float(rng.random() < 0.5) for _ in range(shape[-1])]
        rec["mask"] = mask
        return rec, x.masked_fill(torch.tensor(mask) != 0, -2.0)
    if op in ("sum", "mean", "max", "min", "logsumexp", "variance", "std"):
        axes, keep = axes_choice(rank), rng.random() < 0.5
        rec.update(axes=axes, keep=keep)
        dims = axes if axes else list(range(rank))
        if op == "sum": return rec, x.sum(dim=axes, keepdim=keep)
        if op == "mean": return rec, x.mean(dim=axes, keepdim=keep)
        if op == "max": return rec, x.amax(dim=axes, keepdim=keep)
        if op == "min": return rec, x.amin(dim=axes, keepdim=keep)
        if op == "logsumexp": return rec, torch.logsumexp(x, dim=dims, keepdim=keep)
        n = math.prod(shape[d] for d in dims)
        if n < 2: return None
        if op == "variance": return rec, x.var(dim=axes, keepdim=keep)
        return rec, x.std(dim=axes, keepdim=keep)
    if op in ("softmax", "log_softmax"):
        a = rng.randrange(rank)
        rec["axis"] = a
        return rec, (x.softmax(a) if op == "softmax" else x.log_softmax(a))
    if op == "unsqueeze":
        a = rng.randint(0, rank)
        rec["axis"] = a
        return rec, x.unsqueeze(a)
    if op == "squeeze":
        return rec, x.squeeze()
    if op == "repeat":
        times = [rng.randint(1, 2) for _ in range(rank)]
        rec["times"] = times
        return rec, x.repeat(*times)
    if op in ("concat", "stack"):
        a = rng.randrange(rank) if op == "concat" else rng.randint(0, rank)
        s = list(shape)
        if op == "concat": s[a] = rng.randint(1, 3)
        i, y = fresh(s)
        rec.update(input=i, axis=a)
        return rec, (torch.cat([x, y], a) if op == "concat" else torch.stack([x, y], a))
    if op == "index_select":
        a = rng.randrange(rank)
        idx = [rng.randrange(shape[a]) for _ in range(rng.randint(1, 4))]
        rec.update(axis=a, index=idx)
        return rec, x.index_select(a, torch.tensor(idx))
    if op == "gather":
        a = rng.randrange(rank)
        s = list(shape); s[a] = rng.randint(1, 3)
        idx = torch.randint(0, shape[a], s)
        rec.update(axis=a, index=idx.flatten().tolist(), index_shape=s)
        return rec, x.gather(a, idx)
    if op == "slice":
        a = rng.randrange(rank)
        lo = rng.randrange(shape[a]); hi = rng.randint(lo + 1, shape[a]); st = rng.randint(1, 2)
        rec.update(axis=a, start=lo, end=hi, step=st)
        return rec, x.narrow(a, 0, shape[a])[(slice(None),) * a + (slice(lo, hi, st),)]
    if op == "flatten":
        return rec, x.flatten()
    if op == "reshape":
        n = x.numel()
        divs = [d for d in range(1, n + 1) if n % d == 0]
        d = rng.choice(divs)
        rec["shape"] = [d, -1]
        return rec, x.reshape(d, -1)
    if op == "expand":
        target = [rng.randint(1, 3)] + [d if d != 1 else rng.randint(1, 3) for d in shape]
        rec["shape"] = target
        return rec, x.expand(*target)
    if op == "chunk":
        a = rng.randrange(rank)
        n = rng.randint(1, 3)
        parts = x.chunk(n, a)
        k = rng.randrange(len(parts))
        rec.update(axis=a, chunks=n, part=k)
        return rec, parts[k]
    if op == "transpose":
        a, b = rng.sample(range(rank), 2)
        rec.update(a=a, b=b)
        return rec, x.transpose(a, b)
    if op == "permute":
        order = list(range(rank)); rng.shuffle(order)
        rec["order"] = order
        return rec, x.permute(*order)
    if op == "select":
        i = rng.randrange(shape[0])
        rec["index"] = i
        return rec, x[i]
    if op == "matmul":
        k = rng.randint(1, 4)
        i, w = fresh([shape[-1], k])
        rec["input"] = i
        return rec, x.matmul(w)
    if op == "linear":
        k = rng.randint(1, 4)
        i, w = fresh([k, shape[-1]])
        j, b = fresh([k])
        rec.update(input=i, bias=j)
        return rec, torch.nn.functional.linear(x, w, b)
    if op == "cross_entropy":
        targets = [rng.randrange(shape[1]) for _ in range(shape[0])]
        rec["targets"] = targets
        return rec, torch.nn.functional.cross_entropy(x, torch.tensor(targets))
    if op in ("conv1d", "conv2d"):
        c = shape[1]
        k = rng.randint(1, 2)
        spatial = shape[2:]
        pad = rng.randint(0, 1)
        if any(s + 2 * pad < k for s in spatial): return None
        out = rng.randint(1, 3)
        i, w = fresh([out, c] + [k] * len(spatial))
        rec.update(input=i, padding=pad)
        f = torch.nn.functional.conv1d if op == "conv1d" else torch.nn.functional.conv2d
        return rec, f(x, w, padding=pad)
    if op in ("max_pool1d", "avg_pool1d", "max_pool2d", "avg_pool2d"):
        spatial = shape[2:]
        if any(s < 2 for s in spatial): return None
        f = getattr(torch.nn.functional, op)
        return rec, f(x, 2)
    if op == "global_avg_pool2d":
        return rec, x.mean(dim=(2, 3))
    raise AssertionError(op)


def start_input(inputs, tensors):
    r = rng.random()
    shape = rand_shape(4) if r < 0.12 else rand_shape(3) if r < 0.25 else rand_shape()
    if r < 0.25 and len(shape) >= 3:
        shape[2:] = [rng.randint(2, 5) for _ in shape[2:]]
    spec = make_input(shape)
    base = torch.tensor(spec["values"], dtype=torch.float64).reshape(spec["shape"]).requires_grad_()
    inputs.append(spec)
    tensors.append(base)
    return apply_view(spec, base)


chains, used = [], set()
attempts = 0
while len(chains) < CHAINS:
    attempts += 1
    state = rng.getstate()
    inputs, tensors, ops = [], [], []
    x = start_input(inputs, tensors)
    n = rng.randint(2, 6)
    ok = True
    while len(ops) < n:
        if x.numel() > 512 or x.numel() == 0:
            ok = False; break
        r = step(x, inputs, tensors)
        if r is None: continue
        rec, x = r
        ops.append(rec)
        if x.dim() == 0 and len(ops) < n and ops[-1]["op"] == "cross_entropy":
            break
    if not ok or x.numel() == 0 or not torch.isfinite(x).all() or x.abs().max() > 1e4:
        continue
    w = torch.randn(x.shape, dtype=torch.float64)
    (x * w).sum().backward()
    grads = [t.grad if t.grad is not None else torch.zeros_like(t) for t in tensors]
    if not all(torch.isfinite(g).all() for g in grads):
        continue
    chains.append({"inputs": inputs, "ops": ops, "weights": [round(v, 6) for v in w.flatten().tolist()],
                   "output": {"shape": list(x.shape), "values": x.detach().flatten().tolist()},
                   "grads": [g.flatten().tolist() for g in grads]})
    used.update(o["op"] for o in ops)

with open(OUT, "w") as f:
    json.dump({"generator": f"scripts/make_opchain_fixtures.py, torch {torch.__version__} float64", "chains": chains}, f, separators=(",", ":"))
print(f"{len(chains)} chains ({attempts} drawn), {sum(len(c['ops']) for c in chains)} ops, {len(used)} distinct: {sorted(used)}; {os.path.getsize(OUT)} bytes")
