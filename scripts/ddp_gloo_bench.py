# PyTorch DDP (gloo, CPU) on the `e2e bench`/examples Fashion-MNIST workloads, the peer of
# `mpirun -np N e2e train examples/fashion-mnist-{mlp,cnn}.yaml --epochs 1 --threads 1`.
#
# usage: torchrun --standalone --nproc_per_node N scripts/ddp_gloo_bench.py {mlp|cnn} THREADS SEED
#        python scripts/ddp_gloo_bench.py {mlp|cnn} THREADS SEED      (one process, no DDP)
# The global batch (128 MLP, 64 CNN) is split into contiguous per-rank slices, as EndToEnd
# does; prints `RESULT ... samples_per_s=... test_acc=...` on rank 0 (timing: the training
# epoch only).
import os, sys, time
import torch, torch.nn as nn, torch.nn.functional as F
import torch.distributed as dist
sys.path.insert(0, "/work/shared/peers")
from fmnist import load

kind, threads, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
world = int(os.environ.get("WORLD_SIZE", "1"))
rank = int(os.environ.get("RANK", "0"))
if world > 1:
    dist.init_process_group("gloo")
torch.manual_seed(seed)
xtr, ytr, xte, yte = [torch.from_numpy(a) for a in load()]
if kind == "mlp":
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10)); bs = 128
    opt_of = lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)
else:
    net = nn.Sequential(nn.Conv2d(1, 32, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 5), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(1024, 128), nn.ReLU(), nn.Linear(128, 10)); bs = 64
    opt_of = lambda p: torch.optim.Adam(p, lr=1e-3)
model = nn.parallel.DistributedDataParallel(net) if world > 1 else net  # DDP broadcasts rank 0's weights
opt = opt_of(model.parameters())
g = torch.Generator().manual_seed(seed)
n = len(xtr)
perm = torch.randperm(n, generator=g)  # the same order on every rank
t0 = time.perf_counter()
for i in range(0, n, bs):
    idx = perm[i:i + bs]
    base, extra = len(idx) // world, len(idx) % world
    start = rank * base + min(rank, extra)
    mine = idx[start:start + base + (1 if rank < extra else 0)]
    # DDP averages gradients over ranks: weight each slice by its share so the step is the global batch's mean.
    loss = F.cross_entropy(model(xtr[mine]), ytr[mine]) * (len(mine) * world / len(idx))
    opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
dt = time.perf_counter() - t0
if rank == 0:
    net.eval()
    with torch.no_grad():
        acc = sum((net(xte[j:j + 1000]).argmax(1) == yte[j:j + 1000]).sum().item() for j in range(0, len(xte), 1000)) / len(xte)
    print(f"RESULT model={kind} world={world} threads={threads} seed={seed} time_s={dt:.3f} samples_per_s={n / dt:.1f} test_acc={acc:.4f}", flush=True)
if world > 1:
    dist.destroy_process_group()
