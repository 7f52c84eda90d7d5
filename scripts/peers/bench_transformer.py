# usage: python bench_transformer.py THREADS STEPS SEED TEXT_FILE [INIT.safetensors]
# The recipe of `e2e bench transformer` (Sources/e2e/Bench/TransformerWorkload.swift): a character
# transformer LM, context 128, batch 32, d_model 128, 4 heads, 2 pre-norm layers, FF 512, GELU,
# dropout 0, causal mask, token and position embeddings N(0, 0.1), final LayerNorm, linear head to
# 98 symbols, Adam 3e-4; window i = s*32 + b starts at (i * 2654435761) mod (N - 129); 3 warm-up
# steps, then STEPS timed. TEXT_FILE: `e2e bench transformer --dump-text FILE` (the Austen novels).
# INIT: `e2e bench transformer --save-init FILE`, to start from EndToEnd's initial weights.
import os, sys, time, torch, torch.nn as nn, torch.nn.functional as F
threads, steps, seed, text_file = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
init = sys.argv[5] if len(sys.argv) > 5 else None
torch.set_num_threads(threads); torch.manual_seed(seed)
raw = open(text_file, "rb").read()
lut = torch.full((256,), 97, dtype=torch.long)                   # other bytes -> 97; vocab 98
lut[32:127] = torch.arange(95); lut[10] = 95; lut[9] = 96
data = lut[torch.frombuffer(bytearray(raw), dtype=torch.uint8).long()]
V, T, B, D, H, L, FF = 98, 128, 32, 128, 4, 2, 512
class CharTransformer(nn.Module):
    def __init__(s):
        super().__init__()
        s.tok = nn.Embedding(V, D); s.pos = nn.Embedding(T, D)
        nn.init.normal_(s.tok.weight, std=0.1); nn.init.normal_(s.pos.weight, std=0.1)
        s.layers = nn.ModuleList(nn.TransformerEncoderLayer(D, H, FF, dropout=0.0, activation="gelu", batch_first=True,
                                                            norm_first=True) for _ in range(L))
        s.norm = nn.LayerNorm(D); s.head = nn.Linear(D, V)
        s.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(T), persistent=False)
    def forward(s, x):
        h = s.tok(x) + s.pos.weight
        for layer in s.layers: h = layer(h, src_mask=s.mask, is_causal=True)
        return s.head(s.norm(h))
net = CharTransformer()
if init:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__))); from peer_init import load_init
    load_init(net, init)
opt = torch.optim.Adam(net.parameters(), lr=3e-4)
span, window = len(data) - T - 1, 0
ar = torch.arange(T + 1)
def step():
    global window
    st = torch.tensor([((window + b) * 2654435761) % span for b in range(B)]); window += B
    d = data[st[:, None] + ar[None, :]]
    loss = F.cross_entropy(net(d[:, :-1]).reshape(-1, V), d[:, 1:].reshape(-1))
    opt.zero_grad(set_to_none=True); loss.backward(); opt.step(); return loss.item()
first = [step() for _ in range(3)]                # warm-up
t0 = time.perf_counter()
for _ in range(steps): l = step()
dt = time.perf_counter() - t0
print(f"RESULT transformer threads={threads} seed={seed} text_bytes={len(data)} steps={steps} init={'e2e' if init else 'torch'} "
      f"ms_per_step={1e3*dt/steps:.2f} tokens_per_s={B*T*steps/dt:.0f} loss={l:.4f} "
      f"first_losses={','.join(f'{x:.4f}' for x in first)}", flush=True)
