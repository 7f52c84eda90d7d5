// The MLP's gradient allreduce alone: 469 in-place MPI_Allreduce of 535,824 floats (2.1 MB),
// the per-step message of `mpirun -np 2 e2e train examples/fashion-mnist-mlp.yaml --epochs 1`.
// Build and run: mpicc -O2 scripts/allreduce_bench.c -o /tmp/ar && mpirun -np 2 --mca btl self,vader /tmp/ar
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int r; MPI_Comm_rank(MPI_COMM_WORLD, &r);
  int n = 535818 + 6;
  float *b = malloc(n * sizeof(float));
  for (int i = 0; i < n; i++) b[i] = 1e-6f * i;
  for (int w = 0; w < 20; w++) MPI_Allreduce(MPI_IN_PLACE, b, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  MPI_Barrier(MPI_COMM_WORLD);
  double t = MPI_Wtime();
  for (int i = 0; i < 469; i++) MPI_Allreduce(MPI_IN_PLACE, b, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  t = MPI_Wtime() - t;
  if (r == 0) printf("469 allreduces of %d floats: %.3f s (%.3f ms each)\n", n, t, 1e3 * t / 469);
  MPI_Finalize();
}
