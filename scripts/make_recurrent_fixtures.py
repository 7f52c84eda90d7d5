"""Writes PyTorch reference values for EndToEnd's recurrent layers (RNN, LSTM, GRU) to
Tests/EndToEndNNTests/Fixtures/recurrent.safetensors: parameters, forward output, final states,
and the gradients of a weighted sum of output and final states with respect to every
parameter, the input and the initial state.
Usage: /tmp/torch-venv/bin/python scripts/make_recurrent_fixtures.py

Tensors are float32 under `cases/<case>/{x,y,hn,w,wh,cn,wc,h0,c0,grad_x,grad_h0,grad_c0}` and
`cases/<case>/{params,grads}/<name>`. Metadata (strings): `generator` and
`cases/<case>/config` (JSON)."""
import json, os, torch
from fixture_io import save_deterministic, put_nested



torch.manual_seed(0)

def flat(t): return t.detach().to(torch.float32).contiguous().clone()

def case(kind, input_size=4, hidden_size=6, num_layers=1, bias=True, batch_first=False,
         nonlinearity="tanh", x_shape=(5, 3, 4), initial_state=True):
    if kind == "rnn":
        mod = torch.nn.RNN(input_size, hidden_size, num_layers, nonlinearity=nonlinearity, bias=bias, batch_first=batch_first)
    elif kind == "lstm":
        mod = torch.nn.LSTM(input_size, hidden_size, num_layers, bias=bias, batch_first=batch_first)
    else:
        mod = torch.nn.GRU(input_size, hidden_size, num_layers, bias=bias, batch_first=batch_first)
    x = torch.randn(*x_shape).requires_grad_(True)
    batched = len(x_shape) == 3
    state_shape = (num_layers, x_shape[0 if batch_first else 1], hidden_size) if batched else (num_layers, hidden_size)
    h0 = torch.randn(*state_shape).requires_grad_(True) if initial_state else None
    c0 = torch.randn(*state_shape).requires_grad_(True) if initial_state and kind == "lstm" else None
    if kind == "lstm":
        y, (hn, cn) = mod(x, (h0, c0)) if initial_state else mod(x)
    else:
        y, hn = mod(x, h0) if initial_state else mod(x)
        cn = None
    w = torch.linspace(-1, 1, y.numel()).reshape(y.shape)
    wh = torch.linspace(1, -0.5, hn.numel()).reshape(hn.shape)
    loss = (y * w).sum() + (hn * wh).sum()
    out = {"config": {"kind": kind, "input_size": input_size, "hidden_size": hidden_size, "num_layers": num_layers,
                      "bias": bias, "batch_first": batch_first, "nonlinearity": nonlinearity},
           "params": {n: flat(p) for n, p in mod.named_parameters()},
           "x": flat(x), "y": flat(y), "hn": flat(hn), "w": flat(w), "wh": flat(wh)}
    if cn is not None:
        wc = torch.linspace(-0.7, 1.3, cn.numel()).reshape(cn.shape)
        loss = loss + (cn * wc).sum()
        out["cn"] = flat(cn); out["wc"] = flat(wc)
    loss.backward()
    out["grads"] = {n: flat(p.grad) for n, p in mod.named_parameters()}
    out["grad_x"] = flat(x.grad)
    if h0 is not None: out["h0"] = flat(h0); out["grad_h0"] = flat(h0.grad)
    if c0 is not None: out["c0"] = flat(c0); out["grad_c0"] = flat(c0.grad)
    return out

cases = {
    "rnn_tanh": case("rnn"),
    "rnn_relu_2layers_batchfirst_nobias_nostate": case("rnn", num_layers=2, nonlinearity="relu", bias=False,
                                                      batch_first=True, x_shape=(3, 5, 4), initial_state=False),
    "lstm_2layers_batchfirst": case("lstm", num_layers=2, batch_first=True, x_shape=(3, 5, 4)),
    "lstm_unbatched": case("lstm", x_shape=(5, 4)),
    "gru_2layers": case("gru", num_layers=2),
    "gru_nobias_nostate": case("gru", bias=False, initial_state=False),
}
tensors = {}
metadata = {"generator": f"torch {torch.__version__}"}



for name, c in cases.items():
    metadata[f"cases/{name}/config"] = json.dumps(c.pop("config"))
    put_nested(tensors, f"cases/{name}", c)

path = os.path.join(os.path.dirname(__file__), "..", "Tests", "EndToEndNNTests", "Fixtures", "recurrent.safetensors")
save_deterministic(tensors, path, metadata)
print("wrote", os.path.normpath(path), f"({len(tensors)} tensors, {os.path.getsize(path)} bytes)")
