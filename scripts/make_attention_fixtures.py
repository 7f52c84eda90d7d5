"""Writes PyTorch reference values for EndToEnd's attention layers (MultiHeadAttention,
TransformerEncoderLayer) to Tests/EndToEndNNTests/Fixtures/attention.safetensors.
Usage: /tmp/torch-venv/bin/python scripts/make_attention_fixtures.py

Each case records the (randomized) parameters by state_dict name, the inputs and masks,
the output, the attention weights (if any), and the gradients of
sum(y * w) [+ sum(weights * ww)] with respect to every parameter and every input.

Tensors are float32 under hierarchical keys `cases/<case>/{y,w,weights,ww}`,
`cases/<case>/{params,grads,inputs,input_grads,masks}/<name>` (masks as 0/1 floats).
Metadata (strings): `generator`, `cases/<case>/config` (JSON), `state_dict_keys/<module>`
(JSON list) and `fully_masked_row_is_nan` ("true"/"false")."""
import json, os, torch
from fixture_io import save_deterministic, put_nested



torch.manual_seed(0)
torch.set_default_dtype(torch.float64)  # reference values in double, stored as float
out = {"generator": f"torch {torch.__version__}", "cases": {}, "state_dict_keys": {}}


def flat(t): return t.detach().to(torch.float32).contiguous().clone()


def randomize(mod):
    with torch.no_grad():
        for p in mod.parameters():
            p.copy_(torch.randn_like(p) * 0.5)


def weights_for(t, lo=-1.0, hi=1.0):
    return torch.linspace(lo, hi, t.numel()).reshape(t.shape)


def mha_case(E, H, inputs, self_attention, batch_first=True, key_padding_mask=None, attn_mask=None,
             average=True, extra=None):
    mod = torch.nn.MultiheadAttention(E, H, batch_first=batch_first)
    randomize(mod)
    params = {n: flat(p) for n, p in mod.named_parameters()}
    xs = {n: v.clone().requires_grad_(True) for n, v in inputs.items()}
    if self_attention:
        q = k = v = xs["x"]
    else:
        q, k, v = xs["query"], xs["key"], xs["value"]
    y, a = mod(q, k, v, key_padding_mask=key_padding_mask, attn_mask=attn_mask, need_weights=True,
               average_attn_weights=average)
    w, ww = weights_for(y), weights_for(a, 0.5, -1.5)
    ((y * w).sum() + (a * ww).sum()).backward()
    case = {"config": {"embedDim": E, "numHeads": H, "batchFirst": batch_first, "average": average},
            "params": params, "inputs": {n: flat(t) for n, t in inputs.items()},
            "y": flat(y), "weights": flat(a), "w": flat(w), "ww": flat(ww),
            "grads": {n: flat(p.grad) for n, p in mod.named_parameters()},
            "input_grads": {n: flat(t.grad) for n, t in xs.items()}, "masks": {}}
    if key_padding_mask is not None: case["masks"]["key_padding"] = flat(key_padding_mask.double())
    if attn_mask is not None: case["masks"]["attn"] = flat(attn_mask.double())
    case["masks"].update(extra or {})
    return case


B, L, S, E, H = 2, 5, 6, 8, 2
x = torch.randn(B, L, E)
pad = torch.zeros(B, L, dtype=torch.bool); pad[1, 3:] = True; pad[0, 0] = True
causal = torch.triu(torch.ones(L, L, dtype=torch.bool), 1)
cases = out["cases"]
cases["mha_self"] = mha_case(E, H, {"x": x}, True)
cases["mha_padding"] = mha_case(E, H, {"x": x}, True, key_padding_mask=pad)
cases["mha_causal"] = mha_case(E, H, {"x": x}, True, attn_mask=causal)
cases["mha_cross"] = mha_case(E, H, {"query": torch.randn(B, 3, E), "key": torch.randn(B, S, E),
                                     "value": torch.randn(B, S, E)}, False)
# Sequence-first inputs, an additive float mask per (batch, head), a boolean padding mask,
# per-head weights.
pad_s = torch.zeros(B, S, dtype=torch.bool); pad_s[0, 4:] = True
cases["mha_additive_seqfirst"] = mha_case(
    E, H, {"query": torch.randn(3, B, E), "key": torch.randn(S, B, E), "value": torch.randn(S, B, E)}, False,
    batch_first=False, key_padding_mask=pad_s, attn_mask=torch.randn(B * H, 3, S), average=False)


def encoder_case(norm_first, activation, mask=None, key_padding_mask=None):
    layer = torch.nn.TransformerEncoderLayer(E, H, dim_feedforward=16, dropout=0.1, activation=activation,
                                             norm_first=norm_first, batch_first=True)
    randomize(layer)
    layer.eval()
    params = {n: flat(p) for n, p in layer.named_parameters()}
    xi = x.clone().requires_grad_(True)
    y = layer(xi, src_mask=mask, src_key_padding_mask=key_padding_mask)
    w = weights_for(y)
    (y * w).sum().backward()
    case = {"config": {"embedDim": E, "numHeads": H, "normFirst": norm_first, "activation": activation},
            "params": params, "inputs": {"x": flat(x)}, "y": flat(y), "w": flat(w),
            "grads": {n: flat(p.grad) for n, p in layer.named_parameters()},
            "input_grads": {"x": flat(xi.grad)}, "masks": {}}
    if mask is not None: case["masks"]["attn"] = flat(mask.double())
    if key_padding_mask is not None: case["masks"]["key_padding"] = flat(key_padding_mask.double())
    return case


cases["encoder_post"] = encoder_case(False, "relu")
# Padding only at the end, so that no row is fully masked together with the causal mask.
pad_end = torch.zeros(B, L, dtype=torch.bool); pad_end[1, 3:] = True
cases["encoder_pre"] = encoder_case(True, "gelu", mask=causal, key_padding_mask=pad_end)

out["state_dict_keys"]["mha"] = list(torch.nn.MultiheadAttention(E, H).state_dict().keys())
out["state_dict_keys"]["mha_nobias"] = list(torch.nn.MultiheadAttention(E, H, bias=False).state_dict().keys())
out["state_dict_keys"]["encoder"] = list(torch.nn.TransformerEncoderLayer(E, H, 16).state_dict().keys())

# A fully masked row: PyTorch returns NaN for it (softmax over all -inf).
with torch.no_grad():
    m = torch.nn.MultiheadAttention(E, H, batch_first=True)
    full = torch.zeros(B, L, dtype=torch.bool); full[0, :] = True
    yy, aa = m(x, x, x, key_padding_mask=full)
    out["fully_masked_row_is_nan"] = bool(torch.isnan(yy[0]).all() and torch.isfinite(yy[1]).all())

tensors = {}
metadata = {"generator": out["generator"],
            "fully_masked_row_is_nan": "true" if out["fully_masked_row_is_nan"] else "false"}
for name, keys in out["state_dict_keys"].items():
    metadata[f"state_dict_keys/{name}"] = json.dumps(keys)



for name, case in cases.items():
    metadata[f"cases/{name}/config"] = json.dumps(case.pop("config"))
    put_nested(tensors, f"cases/{name}", case)

path = os.path.join(os.path.dirname(__file__), "..", "Tests", "EndToEndNNTests", "Fixtures", "attention.safetensors")
save_deterministic(tensors, path, metadata)
print("wrote", os.path.normpath(path), f"({len(tensors)} tensors, {os.path.getsize(path)} bytes)",
      "| fully masked row NaN:", out["fully_masked_row_is_nan"])
