/* Embedding romkit in a host code through callbacks.
 *
 * The "host" here is a tiny finite-difference code of its own: steady 1D diffusion
 *     -(kappa(x; mu) u')' = 1 on (0, 1),  u(0) = u(1) = 0,
 * with kappa = mu_0 on the left half and mu_1 on the right half, distributed over the
 * MPI ranks in the host's own partition. romkit never sees the mesh: the host hands it
 * snapshots of its own vectors and applies its own operator terms when asked.
 *
 *   mpirun -n 2 build/examples/example_embed_host_callbacks
 */
#include <romkit.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- the host's own code ------------------------------------------------------------- */
typedef struct {
  MPI_Comm comm;
  int n;           /* interior nodes */
  int first, nloc; /* this rank's rows */
  double h;
  double *full; /* workspace for the whole vector (the host's simple halo strategy) */
  int *counts, *displs;
} host;

/* y = A_q x: A_q is the FD diffusion operator with conductivity 1 on the faces of half q
 * (face i+1/2 lies in half 0 when its midpoint is < 1/2). */
static int host_apply_term(void *user, int q, const double *x, double *y) {
  host *H = user;
  MPI_Allgatherv(x, H->nloc, MPI_DOUBLE, H->full, H->counts, H->displs, MPI_DOUBLE, H->comm);
  for (int l = 0; l < H->nloc; ++l) {
    int i = H->first + l;
    double ui = H->full[i], left = i > 0 ? H->full[i - 1] : 0.0;
    double right = i < H->n - 1 ? H->full[i + 1] : 0.0;
    /* face i-1/2 at x = (i + 1/2) h, face i+1/2 at x = (i + 3/2) h (nodes at (i+1) h) */
    double kl = ((i + 0.5) * H->h < 0.5) == (q == 0) ? 1.0 : 0.0;
    double kr = ((i + 1.5) * H->h < 0.5) == (q == 0) ? 1.0 : 0.0;
    y[l] = (kl * (ui - left) + kr * (ui - right)) / (H->h * H->h);
  }
  return 0;
}
static int host_rhs(void *user, int q, double *f) {
  host *H = user;
  (void)q;
  for (int l = 0; l < H->nloc; ++l)
    f[l] = 1.0;
  return 0;
}
static int host_theta(void *user, const double *mu, double *theta) {
  (void)user;
  theta[0] = mu[0];
  theta[1] = mu[1];
  return 0;
}
/* The host's solver: a few thousand Jacobi-preconditioned CG iterations would do; here the
 * host solves the tridiagonal system exactly on the gathered vector (Thomas algorithm). */
static void host_solve(host *H, const double *mu, double *u_local) {
  int n = H->n;
  if (n < 1) return;
  double *a = calloc((size_t)n * 4, sizeof(double)), *b = a + n, *c = b + n, *d = c + n;
  for (int i = 0; i < n; ++i) {
    double kl = (i + 0.5) * H->h < 0.5 ? mu[0] : mu[1], kr = (i + 1.5) * H->h < 0.5 ? mu[0] : mu[1];
    a[i] = -kl / (H->h * H->h);
    c[i] = -kr / (H->h * H->h);
    b[i] = (kl + kr) / (H->h * H->h);
    d[i] = 1.0;
  }
  for (int i = 1; i < n; ++i) {
    double w = a[i] / b[i - 1];
    b[i] -= w * c[i - 1];
    d[i] -= w * d[i - 1];
  }
  d[n - 1] /= b[n - 1];
  for (int i = n - 2; i >= 0; --i)
    d[i] = (d[i] - c[i] * d[i + 1]) / b[i];
  for (int l = 0; l < H->nloc; ++l)
    u_local[l] = d[H->first + l];
  free(a);
}

/* ---- romkit: offline and online ----------------------------------------------------- */
#define TRY(call)                                                                                  \
  do {                                                                                             \
    int rc_ = (call);                                                                              \
    if (rc_ != ROM_OK) {                                                                           \
      fprintf(stderr, "%s failed: %s\n", #call, rom_ctx_last_error(ctx));                          \
      goto done;                                                                                   \
    }                                                                                              \
  } while (0)

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size, status = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);

  host H = {MPI_COMM_WORLD, 400, 0, 0, 1.0 / 401, NULL, NULL, NULL};
  H.counts = malloc(sizeof(int) * (size_t)size);
  H.displs = malloc(sizeof(int) * (size_t)size);
  for (int r = 0, off = 0; r < size; ++r) {
    H.counts[r] = H.n / size + (r < H.n % size);
    H.displs[r] = off;
    off += H.counts[r];
  }
  H.first = H.displs[rank];
  H.nloc = H.counts[rank];
  H.full = malloc(sizeof(double) * (size_t)H.n);
  double *u = malloc(sizeof(double) * (size_t)H.nloc),
         *u_rom = malloc(sizeof(double) * (size_t)H.nloc);

  rom_ctx *ctx = NULL;
  rom_snapshots *snaps = NULL;
  rom_basis *basis = NULL;
  rom_model *model = NULL;
  rom_affine_rom *rom = NULL;
  if (rom_ctx_create(MPI_COMM_WORLD, &ctx) != ROM_OK) goto done;

  /* Offline 1: the host's own loop over training parameters, handing snapshots over. */
  TRY(rom_snapshots_create(ctx, H.nloc, NULL, &snaps));
  for (int s = 0; s < 25; ++s) {
    double mu[2] = {0.1 * pow(100.0, (s % 5) / 4.0), 0.1 * pow(100.0, (s / 5) / 4.0)};
    host_solve(&H, mu, u);
    TRY(rom_snapshots_add(snaps, u));
  }
  /* Offline 2: POD and projection of the host's operator terms through its callbacks. */
  const rom_dmat *S = NULL;
  TRY(rom_snapshots_matrix(snaps, &S));
  rom_pod_options pod = rom_pod_options_default();
  pod.truncation = ROM_POD_TRUNCATE_RANK;
  pod.rank = 4;
  TRY(rom_pod_compute(S, &pod, &basis));
  TRY(rom_model_create(ctx, H.nloc, 2, &H, &model));
  TRY(rom_model_set_affine_operator(model, 2, host_apply_term, host_theta));
  TRY(rom_model_set_affine_rhs(model, 1, host_rhs, NULL));
  TRY(rom_affine_rom_build(model, basis, &rom));

  /* Online: a parameter never seen in training; a 4 x 4 solve. */
  double mu_test[2] = {0.37, 4.2}, theta[2], phi[1] = {1.0}, q[4];
  host_theta(&H, mu_test, theta);
  TRY(rom_affine_rom_solve(rom, theta, phi, q));
  TRY(rom_basis_lift(basis, q, u_rom));
  host_solve(&H, mu_test, u);
  double local[2] = {0, 0}, global[2];
  for (int l = 0; l < H.nloc; ++l) {
    local[0] += (u[l] - u_rom[l]) * (u[l] - u_rom[l]);
    local[1] += u[l] * u[l];
  }
  MPI_Allreduce(local, global, 2, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0)
    printf("host model: %d unknowns on %d ranks, ROM dimension %lld, relative error at "
           "mu = (%.2f, %.2f): %.3e\n",
           H.n, size, (long long)rom_affine_rom_dim(rom), mu_test[0], mu_test[1],
           sqrt(global[0] / global[1]));
  status = sqrt(global[0] / global[1]) < 1e-6 ? 0 : 1;

done:
  rom_affine_rom_destroy(&rom);
  rom_model_destroy(&model);
  rom_basis_destroy(&basis);
  rom_snapshots_destroy(&snaps);
  rom_ctx_destroy(&ctx);
  free(H.full);
  free(H.counts);
  free(H.displs);
  free(u);
  free(u_rom);
  MPI_Finalize();
  return status;
}
