# usage: python bench_conv1d.py THREADS STEPS SEED [INIT.safetensors]
# The recipe of `e2e bench conv1d` (Sources/e2e/Bench/Conv1dWorkload.swift): the voice application's
# M5-style 1-D CNN on raw 16 kHz, 1 s waveforms: conv(1->16, k64, s8), conv(16->32, k5, p2),
# conv(32->64, k3, p1), conv(64->64, k3, p1), each + BatchNorm1d + ReLU, the first three + MaxPool1d(4);
# mean over time, Linear(64, 12). Adam 3e-3, batch 32; 256 generated clips (the same formula),
# step s takes clips s*32 mod 256 .. +32 in order; 5 warm-up steps, then STEPS timed.
# INIT: `e2e bench conv1d --save-init FILE`, to start from EndToEnd's initial weights.
import os, sys, time, numpy as np, torch, torch.nn as nn, torch.nn.functional as F
threads, steps, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
init = sys.argv[4] if len(sys.argv) > 4 else None
torch.set_num_threads(threads); torch.manual_seed(seed)
N, B, LEN, C = 256, 32, 16000, 12
def waveform(i):                                  # Conv1dWorkload.waveform, in float64
    c = i % C; f = 120 + 35 * c + 3 * (i % 7); w = 2 * np.pi / 16000; t = np.arange(LEN, dtype=np.float64)
    a = 0.6 * np.sin(w * f * t + 0.37 * i)
    b = 0.3 * np.sin(w * 2.5 * f * t + 0.11 * i) * (0.5 + 0.5 * np.sin(w * 3 * t + i))
    return (a + b).astype(np.float32)
clips = torch.from_numpy(np.stack([waveform(i) for i in range(N)])[:, None, :])
labels = torch.arange(N) % C
class GlobalAvg(nn.Module):
    def forward(s, x): return x.mean(2)
class M5(nn.Module):
    def __init__(s):
        super().__init__()
        s.layers = nn.Sequential(
            nn.Conv1d(1, 16, 64, stride=8), nn.BatchNorm1d(16), nn.ReLU(), nn.MaxPool1d(4),
            nn.Conv1d(16, 32, 5, padding=2), nn.BatchNorm1d(32), nn.ReLU(), nn.MaxPool1d(4),
            nn.Conv1d(32, 64, 3, padding=1), nn.BatchNorm1d(64), nn.ReLU(), nn.MaxPool1d(4),
            nn.Conv1d(64, 64, 3, padding=1), nn.BatchNorm1d(64), nn.ReLU(), GlobalAvg(), nn.Linear(64, C))
    def forward(s, x): return s.layers(x)
net = M5()
if init:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__))); from peer_init import load_init
    load_init(net, init)
opt = torch.optim.Adam(net.parameters(), lr=3e-3)
s = 0
def step():
    global s
    i = (s * B) % N; s += 1
    loss = F.cross_entropy(net(clips[i:i + B]), labels[i:i + B])
    opt.zero_grad(set_to_none=True); loss.backward(); opt.step(); return loss.item()
first = [step() for _ in range(5)]                # warm-up
t0 = time.perf_counter()
for _ in range(steps): l = step()
dt = time.perf_counter() - t0
print(f"RESULT conv1d threads={threads} seed={seed} steps={steps} init={'e2e' if init else 'torch'} "
      f"ms_per_step={1e3*dt/steps:.2f} samples_per_s={B*steps/dt:.1f} loss={l:.4f} "
      f"first_losses={','.join(f'{x:.4f}' for x in first)}", flush=True)
