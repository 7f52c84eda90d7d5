# The ring-allreduce cost model of docs/distributed.md, against measured compute per example.
#
# usage: python3 scripts/distributed_cost_model.py NAME PARAMETERS SAMPLES_PER_S [NAME PARAMETERS SAMPLES_PER_S ...]
#   PARAMETERS: the model's parameter count (Float32 gradients: 4 bytes each);
#   SAMPLES_PER_S: measured training examples per second of one rank on one thread.
# Prints, per workload, the allreduce time per step and the per-rank batch b* at which it
# equals the compute of the step (efficiency 50%: below b*, each added node gives less than
# half its worth), for 2..64 nodes on 10, 25 and 100 Gb/s.
import sys

ALPHA = 25e-6          # seconds per message hop: TCP over Ethernet (MPI over RDMA: ~2 us)
NODES = [2, 4, 8, 16, 32, 64]
LINKS = [10, 25, 100]  # Gb/s

def allreduce_seconds(p, n_bytes, gbps, alpha=ALPHA):
    """Ring allreduce: reduce-scatter + allgather, 2(p-1) steps of n/p bytes each."""
    bandwidth = gbps * 1e9 / 8
    return 2 * (p - 1) / p * n_bytes / bandwidth + 2 * (p - 1) * alpha

args = sys.argv[1:]
if len(args) < 3 or len(args) % 3:
    sys.exit(__doc__ or "usage: NAME PARAMETERS SAMPLES_PER_S ...")
for i in range(0, len(args), 3):
    name, params, rate = args[i], int(args[i + 1]), float(args[i + 2])
    n_bytes = 4 * params
    print(f"\n**{name}**: {params:,} parameters ({n_bytes / 2**20:.2f} MiB of gradients), "
          f"{1e6 / rate:.0f} µs of compute per example (1 thread)\n")
    print("| nodes | " + " | ".join(f"allreduce @ {g} Gb/s (ms)" for g in LINKS) + " | "
          + " | ".join(f"b* @ {g} Gb/s" for g in LINKS) + " |")
    print("|---" * (1 + 2 * len(LINKS)) + "|")
    for p in NODES:
        t = [allreduce_seconds(p, n_bytes, g) for g in LINKS]
        print(f"| {p} | " + " | ".join(f"{x * 1e3:.2f}" for x in t) + " | "
              + " | ".join(f"{x * rate:.1f}" for x in t) + " |")
