#!/usr/bin/env bash
# The measurements of docs/distributed.md: 1 rank x 1 thread, 2 ranks x 1 thread, 1 rank x 2
# threads on the Fashion-MNIST MLP and CNN workloads (1 epoch each, examples/*.yaml), then
# PyTorch DDP (gloo) on the same split (scripts/ddp_gloo_bench.py) when PYTHON has torch.
#
# usage: scripts/distributed_bench.sh [E2E] [PYTHON]   (E2E default .build/release/e2e)
# environment:
#   WORKLOADS  default "mlp cnn"
#   REPEATS    runs of each configuration (default 1); every run prints its own RESULT line
#   BTL        Open MPI transports (default self,vader: shared memory on one host;
#              self,tcp --mca btl_tcp_if_include lo is what the tests use)
#   MPI_EXTRA  more mpirun arguments, e.g. "--bind-to core" on an idle machine, or
#              "--mca mpi_yield_when_idle 1" on a loaded one (waiting ranks yield the core)
#   NICE       niceness of every run (default 10)
# Each RESULT line has the process wall time (what the issue's 1.4x bar is about), the
# training time from summary.md, and the JSON summary (test loss and accuracy,
# allreduce_seconds). The load average before each run is printed too: compare runs made
# under the same load only.
set -uo pipefail
cd "$(dirname "$0")/.."
E2E=${1:-.build/release/e2e}
PY=${2:-}
WORKLOADS=${WORKLOADS:-mlp cnn}
REPEATS=${REPEATS:-1}
BTL=${BTL:-self,vader}
MPI_EXTRA=${MPI_EXTRA:-}
NICE=${NICE:-10}
OUT=$(mktemp -d)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MPI="mpirun -np 2 --oversubscribe --bind-to none --mca btl $BTL $MPI_EXTRA"
echo "cpu: $(lscpu | grep -m1 'Model name' | sed 's/.*: *//'), $(nproc) cores; btl $BTL; $MPI_EXTRA"
for w in $WORKLOADS; do
    cfg=examples/fashion-mnist-$w.yaml
    for rep in $(seq 1 "$REPEATS"); do
        for run in "1x1|$E2E train $cfg --epochs 1 --threads 1" "2x1|$MPI $E2E train $cfg --epochs 1 --threads 1" \
                   "1x2|$E2E train $cfg --epochs 1 --threads 2"; do
            name=${run%%|*}; cmd=${run#*|}
            rm -rf "$OUT/r"
            echo "load before $w $name: $(cut -d' ' -f1-3 /proc/loadavg)"
            start=$(date +%s.%N)
            json=$(nice -n "$NICE" $cmd --quiet --output "$OUT/r" 2>&1 | tail -1)
            end=$(date +%s.%N)
            train=$(grep -o 'training wall time: [0-9.]*' "$OUT/r/summary.md" | grep -o '[0-9.]*$')
            echo "RESULT e2e $w ranks_x_threads=$name repeat=$rep process_wall_s=$(echo "$end - $start" | bc) train_s=$train $json"
        done
    done
    if [ -n "$PY" ]; then
        echo "RESULT torch $w 1x1 $(nice -n "$NICE" $PY scripts/ddp_gloo_bench.py $w 1 0 | tail -1)"
        echo "RESULT torch $w 2x1 $(OMP_NUM_THREADS=1 nice -n "$NICE" $PY -m torch.distributed.run --standalone --nproc_per_node 2 scripts/ddp_gloo_bench.py $w 1 0 2>/dev/null | grep RESULT)"
    fi
done
rm -rf "$OUT"
