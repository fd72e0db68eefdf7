/* Run the Burgers reference FOMs of Kim, Choi, Widemann, Zohdi, J. Comput. Phys. 451 (2022)
 * (P1, P2 of docs/problems.md) with romkit's FOM integrator, and time them.
 *
 *   example_burgers_fom p1|p2 [umfpack|klu|banded|all] [steps] [repetitions] [a]
 *
 * Prints, per solver, the median over the repetitions of the time per step (wall and
 * CPU), the Newton iterations, and the time per Newton linear solve (gather, assembly of I - dt J,
 * factorisation and solve on rank 0). Defaults: all solvers, the problem's full number
 * of steps, 5 repetitions, a = 1. Run serially for the numbers in docs/problems.md:
 *   OPENBLAS_NUM_THREADS=1 ./examples/example_burgers_fom p2 all 100 5 */
#include "romkit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  rom_ctx *ctx = NULL;
  rom_burgers1d *h1 = NULL;
  rom_burgers2d *h2 = NULL;
  int rc = 1;
  const char *problem = argc > 1 ? argv[1] : "p1", *which = argc > 2 ? argv[2] : "all";
  long steps = argc > 3 ? atol(argv[3]) : 0;
  int reps = argc > 4 ? atoi(argv[4]) : 5;
  double a = argc > 5 ? atof(argv[5]) : 1.0;
  if (reps < 1 || reps > 100) reps = 5;
  if (rom_ctx_create(MPI_COMM_WORLD, &ctx) != ROM_OK) goto done;
  {
    rom_model *m = NULL;
    rom_int L = 0;
    double dt = 0.0;
    double *u0 = NULL, *traj = NULL;
    int p2 = strcmp(problem, "p2") == 0;
    if (p2) {
      if (rom_burgers2d_create(ctx, NULL, ROM_AUTO_ROWS, &h2) != ROM_OK) goto fail;
      m = rom_burgers2d_model(h2);
      L = rom_burgers2d_local_rows(h2);
      dt = rom_burgers2d_time_step(h2);
      if (steps <= 0) steps = (long)rom_burgers2d_steps(h2);
    } else {
      if (rom_burgers1d_create(ctx, NULL, ROM_AUTO_ROWS, &h1) != ROM_OK) goto fail;
      m = rom_burgers1d_model(h1);
      L = rom_burgers1d_local_rows(h1);
      dt = rom_burgers1d_time_step(h1);
      if (steps <= 0) steps = (long)rom_burgers1d_steps(h1);
    }
    u0 = malloc(sizeof(double) * (size_t)(L + 1));
    traj = malloc(sizeof(double) * (size_t)((steps + 1) * L + 1));
    if (p2 ? rom_burgers2d_initial(h2, a, u0) : rom_burgers1d_initial(h1, a, u0)) goto fail;
    if (rom_ctx_rank(ctx) == 0)
      printf("%s: %lld unknowns, %ld steps of dt = %g, a = %g, %d ranks, median of %d runs\n",
             p2 ? "P2" : "P1",
             (long long)(p2 ? rom_burgers2d_global_rows(h2) : rom_burgers1d_global_rows(h1)), steps,
             dt, a, rom_ctx_size(ctx), reps);
    const char *names[] = {"", "umfpack", "klu", "banded"};
    /* Repetitions outer, solvers inner: on a shared machine every solver sees the same
     * background load. CPU seconds (clock) beside wall seconds: with one BLAS thread they
     * agree on an idle machine, and CPU time is what a busy one distorts least. */
    double per_step[4][100], per_solve[4][100], cpu_step[4][100], iters[4] = {0}, maxit[4] = {0};
    int used[4] = {0};
    for (int r = 0; r < reps; ++r)
      for (int s = ROM_FOM_SOLVER_UMFPACK; s <= ROM_FOM_SOLVER_BANDED; ++s) {
        if (strcmp(which, "all") != 0 && strcmp(which, names[s]) != 0) continue;
        rom_fom_stats st;
        rom_fom_options o = rom_fom_options_default();
        o.solver = (rom_fom_solver)s;
        used[s] = 1;
        MPI_Barrier(MPI_COMM_WORLD);
        clock_t c0 = clock();
        if (rom_fom_integrate(m, &a, u0, 0.0, dt, steps, &o, traj, &st) != ROM_OK) goto fail;
        cpu_step[s][r] = (double)(clock() - c0) / CLOCKS_PER_SEC / (double)steps;
        per_step[s][r] = st.seconds / (double)steps;
        per_solve[s][r] = st.seconds_solve / (double)st.newton_iterations;
        iters[s] = (double)st.newton_iterations / (double)steps;
        maxit[s] = st.max_step_iterations;
      }
    for (int s = ROM_FOM_SOLVER_UMFPACK; s <= ROM_FOM_SOLVER_BANDED; ++s) {
      if (!used[s]) continue;
      qsort(per_step[s], (size_t)reps, sizeof(double), cmp);
      qsort(per_solve[s], (size_t)reps, sizeof(double), cmp);
      qsort(cpu_step[s], (size_t)reps, sizeof(double), cmp);
      if (rom_ctx_rank(ctx) == 0)
        printf("  %-8s %9.3f ms/step wall  %9.3f ms/step cpu  %5.2f Newton iterations/step "
               "(max %.0f)  %8.3f ms/linear solve (wall)\n",
               names[s], 1e3 * per_step[s][reps / 2], 1e3 * cpu_step[s][reps / 2], iters[s],
               maxit[s], 1e3 * per_solve[s][reps / 2]);
    }
    rc = 0;
  fail:
    if (rc) fprintf(stderr, "burgers_fom: %s\n", rom_ctx_last_error(ctx));
    free(u0);
    free(traj);
  }
done:
  rom_burgers1d_destroy(&h1);
  rom_burgers2d_destroy(&h2);
  rom_ctx_destroy(&ctx);
  MPI_Finalize();
  return rc;
}
