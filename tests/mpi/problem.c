/* The problem interface (romkit/problem.h): the registry and P1, P2, P3 through it, at 1, 2
 * and 4 ranks, on the even and an uneven partition (the last rank empty at 4 ranks).
 *
 * Checked against the direct FOM objects (romkit/problems.h), which are independent of the
 * ops tables: every accessor equals the direct call, initial states and the error metric
 * agree bit for bit, the component layout covers each component exactly once, P2's
 * symmetry maps its own initial state's u block onto its v block, the recipes hold the
 * numbers of docs/problems.md, and the autoencoder built from a recipe is the network
 * rom_ae_create_shallow builds from the same numbers, weight for weight. The registry:
 * names in order, case-insensitive lookup and aliases, the unknown-name sentence, refused
 * registrations (duplicate name or alias, missing ops) and a user registration reachable
 * by name. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

/* Synthetic trajectories for the error metric: nstates states of L rows, deterministic in
 * the global row so the metric is partition-independent. */
static void fill_states(rom_int nstates, rom_int L, rom_int off, double *fom, double *rom) {
  for (rom_int n = 0; n < nstates; ++n)
    for (rom_int l = 0; l < L; ++l) {
      double g = (double)(off + l);
      fom[n * L + l] = 1.0 + 0.01 * g + 0.1 * (double)n;
      rom[n * L + l] = fom[n * L + l] + 1e-3 * ((double)((off + l) % 7) - 3.0) * (double)(n + 1);
    }
}

/* The component blocks of this rank tile its rows exactly (sum of counts = local rows,
 * consecutive first indices) and sum to component_rows over the ranks. */
static void check_components(rom_ctx *ctx, rom_problem *p) {
  const int nc = rom_problem_num_components(p);
  rom_int total = 0, next = 0;
  for (int c = 0; c < nc; ++c) {
    rom_int cnt = -1, first = -1;
    rom_problem_component_local(p, c, &cnt, &first);
    if (cnt > 0) {
      CHECK(first == next, "%s component %d starts at local row %lld, expected %lld",
            rom_problem_name_of(p), c, (long long)first, (long long)next);
      next = first + cnt;
    }
    total += cnt;
    long long sum = cnt;
    MPI_Allreduce(MPI_IN_PLACE, &sum, 1, MPI_LONG_LONG, MPI_SUM, rom_ctx_comm(ctx));
    CHECK(sum == rom_problem_component_rows(p), "%s component %d has %lld rows in all",
          rom_problem_name_of(p), c, sum);
  }
  CHECK(total == rom_problem_local_rows(p), "%s components cover %lld of %lld local rows",
        rom_problem_name_of(p), (long long)total, (long long)rom_problem_local_rows(p));
}

/* Error metric through the interface equals the direct function, bit for bit. */
typedef int (*direct_error_fn)(void *fom, rom_ctx *ctx, rom_int nstates, rom_int L, const double *f,
                               const double *r, int comp, double *avg, double *max);

static void check_error(rom_ctx *ctx, rom_problem *p, void *fom, direct_error_fn direct) {
  const rom_int L = rom_problem_local_rows(p), ns = 4;
  double *f = malloc(sizeof(double) * (size_t)(ns * L + 1));
  double *r = malloc(sizeof(double) * (size_t)(ns * L + 1));
  fill_states(ns, L, rom_problem_row_offset(p), f, r);
  for (int c = 0; c < rom_problem_num_components(p); ++c) {
    double a1 = -1, m1 = -1, a2 = -2, m2 = -2;
    CHECK_OK(ctx, rom_problem_error(p, ns, f, r, c, &a1, &m1));
    CHECK_OK(ctx, direct(fom, ctx, ns, L, f, r, c, &a2, &m2));
    CHECK(a1 == a2 && m1 == m2 && a1 > 0.0,
          "%s error of component %d: %.17g / %.17g vs direct %.17g / %.17g", rom_problem_name_of(p),
          c, a1, m1, a2, m2);
  }
  {
    double a = 0, m = 0;
    CHECK_ERR(ctx, rom_problem_error(p, ns, f, r, rom_problem_num_components(p), &a, &m),
              ROM_ERR_ARG);
  }
  free(f);
  free(r);
}

static int p1_direct_error(void *fom, rom_ctx *ctx, rom_int ns, rom_int L, const double *f,
                           const double *r, int comp, double *avg, double *max) {
  (void)fom;
  (void)comp;
  return rom_burgers_error_metric(ctx, ns, L, f, r, 1, avg, max);
}
static int p2_direct_error(void *fom, rom_ctx *ctx, rom_int ns, rom_int L, const double *f,
                           const double *r, int comp, double *avg, double *max) {
  (void)ctx;
  (void)L;
  return rom_burgers2d_error_metric(fom, ns, f, r, comp, avg, max);
}
static int p3_direct_error(void *fom, rom_ctx *ctx, rom_int ns, rom_int L, const double *f,
                           const double *r, int comp, double *avg, double *max) {
  (void)fom;
  (void)comp;
  return rom_burgers_error_metric(ctx, ns, L, f, r, 0, avg, max);
}

static void check_p1(rom_ctx *ctx, rom_int local_rows, rom_int steps) {
  rom_problem *p = NULL;
  rom_burgers1d *h = NULL;
  rom_problem_options o = rom_problem_options_default();
  rom_burgers1d_options bo = rom_burgers1d_options_default();
  o.local_rows = local_rows;
  o.steps = steps;
  if (steps) bo.steps = steps;
  CHECK_OK(ctx, rom_problem_create(ctx, "p1", &o, &p));
  CHECK_OK(ctx, rom_burgers1d_create(ctx, &bo, local_rows, &h));
  if (!p || !h) goto done;
  CHECK(!strcmp(rom_problem_name_of(p), "P1"), "P1 name %s", rom_problem_name_of(p));
  CHECK(rom_problem_ctx(p) == ctx, "P1 ctx");
  CHECK(rom_problem_global_rows(p) == rom_burgers1d_global_rows(h), "P1 global rows");
  CHECK(rom_problem_local_rows(p) == rom_burgers1d_local_rows(h), "P1 local rows");
  CHECK(rom_problem_row_offset(p) == rom_burgers1d_row_offset(h), "P1 row offset");
  CHECK(rom_problem_steps(p) == rom_burgers1d_steps(h), "P1 steps");
  CHECK(rom_problem_time_step(p) == rom_burgers1d_time_step(h), "P1 time step %.17g vs %.17g",
        rom_problem_time_step(p), rom_burgers1d_time_step(h));
  CHECK(rom_problem_num_components(p) == 1 && rom_problem_component_rows(p) == 1000, "P1 layout");
  CHECK(rom_problem_num_parameters(p) == 1 && rom_model_num_parameters(rom_problem_model(p)) == 1 &&
            rom_model_local_rows(rom_problem_model(p)) == rom_burgers1d_local_rows(h),
        "P1 model");
  {
    double lo = 0, hi = 0;
    int lg = -1;
    rom_problem_parameter_range(p, &lo, &hi, &lg);
    CHECK(lo == 0.9 && hi == 1.1 && lg == 0, "P1 range [%g, %g] log %d", lo, hi, lg);
  }
  {
    const rom_int L = rom_burgers1d_local_rows(h);
    double *u1 = malloc(sizeof(double) * (size_t)(L + 1)),
           *u2 = malloc(sizeof(double) * (size_t)(L + 1));
    double mu = 1.0;
    CHECK_OK(ctx, rom_problem_initial(p, &mu, u1));
    CHECK_OK(ctx, rom_burgers1d_initial(h, mu, u2));
    CHECK(L == 0 || !memcmp(u1, u2, sizeof(double) * (size_t)L), "P1 initial state bitwise");
    free(u1);
    free(u2);
  }
  check_components(ctx, p);
  check_error(ctx, p, h, p1_direct_error);
  CHECK(!strcmp(rom_problem_cache_prefix(p), steps ? "P1_s60" : "P1"), "P1 prefix %s",
        rom_problem_cache_prefix(p));
  {
    rom_problem_recipe r;
    rom_int perm[1];
    CHECK_OK(ctx, rom_problem_recipe_of(p, &r));
    CHECK(r.ntrain == 2 && r.train[0] == 0.9 && r.train[1] == 1.1 && r.test[0] == 1.0 &&
              r.dim == 5 && r.hr_basis == 30 && r.hr_basis_manifold == 31 && r.hr_samples == 47 &&
              r.tolerance == 1e-8 && r.tolerance_manifold == 1e-5 && r.max_iterations == 4,
          "P1 recipe: the paper's settings");
    CHECK(!strcmp(r.ae_activation, "swish") && !strcmp(r.ae_mask, "band:36:12") &&
              r.ae_hidden == 0 && !r.ae_decoder_bias && !r.ae_minmax_scaling && r.ae_batch == 20 &&
              r.ae_epochs == 10000,
          "P1 recipe: the paper's network");
    CHECK_ERR(ctx, rom_problem_component_symmetry(p, 0, 0, perm), ROM_ERR_UNSUPPORTED);
  }
done:
  rom_burgers1d_destroy(&h);
  rom_problem_destroy(&p);
}

static void check_p2(rom_ctx *ctx, rom_int local_rows) {
  rom_problem *p = NULL;
  rom_burgers2d *h = NULL;
  rom_problem_options o = rom_problem_options_default();
  rom_burgers2d_options bo = rom_burgers2d_options_default();
  o.local_rows = local_rows;
  o.resolution = bo.grid_points = 12;
  o.steps = bo.steps = 30;
  CHECK_OK(ctx, rom_problem_create(ctx, "P2", &o, &p));
  CHECK_OK(ctx, rom_burgers2d_create(ctx, &bo, local_rows, &h));
  if (!p || !h) goto done;
  const rom_int n = 10, M = n * n, L = rom_burgers2d_local_rows(h);
  CHECK(rom_problem_global_rows(p) == rom_burgers2d_global_rows(h) &&
            rom_problem_global_rows(p) == 2 * M,
        "P2 global rows");
  CHECK(rom_problem_local_rows(p) == L, "P2 local rows");
  CHECK(rom_problem_row_offset(p) == rom_burgers2d_row_offset(h), "P2 row offset");
  CHECK(rom_problem_steps(p) == rom_burgers2d_steps(h) && rom_problem_steps(p) == 30, "P2 steps");
  CHECK(rom_problem_time_step(p) == rom_burgers2d_time_step(h), "P2 time step");
  CHECK(rom_problem_num_components(p) == 2 &&
            rom_problem_component_rows(p) == rom_burgers2d_component_rows(h),
        "P2 layout");
  CHECK(rom_model_local_rows(rom_problem_model(p)) == L, "P2 model rows");
  CHECK(!strcmp(rom_problem_cache_prefix(p), "P2_g12_s30"), "P2 prefix %s",
        rom_problem_cache_prefix(p));
  {
    double *u1 = malloc(sizeof(double) * (size_t)(L + 1)),
           *u2 = malloc(sizeof(double) * (size_t)(L + 1));
    double *full = malloc(sizeof(double) * (size_t)(2 * M));
    int *counts = malloc(sizeof(int) * (size_t)rom_ctx_size(ctx)),
        *displs = malloc(sizeof(int) * (size_t)rom_ctx_size(ctx));
    rom_int *perm = malloc(sizeof(rom_int) * (size_t)M);
    double mu = 1.05;
    int mine = (int)L, same = 1;
    CHECK_OK(ctx, rom_problem_initial(p, &mu, u1));
    CHECK_OK(ctx, rom_burgers2d_initial(h, mu, u2));
    CHECK(L == 0 || !memcmp(u1, u2, sizeof(double) * (size_t)L), "P2 initial state bitwise");
    MPI_Allgather(&mine, 1, MPI_INT, counts, 1, MPI_INT, rom_ctx_comm(ctx));
    displs[0] = 0;
    for (int r = 1; r < rom_ctx_size(ctx); ++r)
      displs[r] = displs[r - 1] + counts[r - 1];
    MPI_Allgatherv(u1, mine, MPI_DOUBLE, full, counts, displs, MPI_DOUBLE, rom_ctx_comm(ctx));
    /* perm against the formula, and v = u o perm on the problem's own initial state */
    CHECK_OK(ctx, rom_problem_component_symmetry(p, 0, 1, perm));
    for (rom_int i = 0; i < n; ++i)
      for (rom_int j = 0; j < n; ++j)
        same = same && perm[i + n * j] == j + n * i;
    for (rom_int q = 0; q < M; ++q)
      same = same && fabs(full[M + q] - full[perm[q]]) <= 1e-14; /* (a s_x) s_y vs (a s_y) s_x */
    CHECK(same, "P2 symmetry: perm(i + n j) = j + n i and v0 = u0 o perm");
    CHECK_OK(ctx, rom_problem_component_symmetry(p, 1, 1, perm));
    same = 1;
    for (rom_int q = 0; q < M; ++q)
      same = same && perm[q] == q;
    CHECK(same, "P2 symmetry of a component with itself: the identity");
    CHECK_ERR(ctx, rom_problem_component_symmetry(p, 0, 2, perm), ROM_ERR_ARG);
    free(u1);
    free(u2);
    free(full);
    free(counts);
    free(displs);
    free(perm);
  }
  check_components(ctx, p);
  check_error(ctx, p, h, p2_direct_error);
  {
    rom_problem_recipe r;
    CHECK_OK(ctx, rom_problem_recipe_of(p, &r));
    CHECK(r.ntrain == 4 && r.train[0] == 0.9 && r.train[1] == 0.95 && r.train[2] == 1.05 &&
              r.train[3] == 1.1 && r.test[0] == 1.0 && r.dim == 5 && r.hr_basis == 55 &&
              r.hr_samples == 58 && r.tolerance_manifold == 1e-6 && r.max_iterations == 4,
          "P2 recipe: the paper's settings");
    CHECK(!strcmp(r.ae_activation, "sigmoid") && !strcmp(r.ae_mask, "stencil:10:10:100:10") &&
              r.ae_decoder_bias == 1 && r.ae_minmax_scaling == 1 && r.ae_batch == 240 &&
              r.ae_epochs == 2000,
          "P2 recipe: the paper's network, mask %s", r.ae_mask);
  }
done:
  rom_burgers2d_destroy(&h);
  rom_problem_destroy(&p);
}

static void check_p3(rom_ctx *ctx, rom_int local_rows) {
  rom_problem *p = NULL;
  rom_heat2d *h = NULL;
  rom_problem_options o = rom_problem_options_default();
  rom_heat2d_options ho = rom_heat2d_options_default();
  o.local_rows = local_rows;
  o.resolution = ho.n = 9;
  CHECK_OK(ctx, rom_problem_create(ctx, "HEAT", &o, &p));
  CHECK_OK(ctx, rom_heat2d_create(ctx, &ho, local_rows, &h));
  if (!p || !h) goto done;
  const rom_int L = rom_heat2d_local_rows(h);
  rom_int off = 0;
  MPI_Exscan(&L, &off, 1, MPI_INT64_T, MPI_SUM, rom_ctx_comm(ctx));
  if (rom_ctx_rank(ctx) == 0) off = 0;
  CHECK(!strcmp(rom_problem_name_of(p), "P3"), "P3 by its alias");
  CHECK(rom_problem_global_rows(p) == rom_heat2d_global_rows(h), "P3 global rows");
  CHECK(rom_problem_local_rows(p) == L && rom_problem_row_offset(p) == off, "P3 rows, offset");
  CHECK(rom_problem_steps(p) == 0 && rom_problem_time_step(p) == 0.0, "P3 steady by default");
  CHECK(rom_problem_num_parameters(p) == rom_heat2d_num_parameters(h), "P3 parameters");
  CHECK(!strcmp(rom_problem_cache_prefix(p), "P3_g9"), "P3 prefix %s", rom_problem_cache_prefix(p));
  {
    double lo[4], hi[4], mu[4] = {0.5, 2.0, 3.0, 7.0}, theta[4] = {0}, phi[1] = {0};
    int lg[4], ok = 1;
    rom_problem_parameter_range(p, lo, hi, lg);
    for (int q = 0; q < 4; ++q)
      ok = ok && lo[q] == 0.1 && hi[q] == 10.0 && lg[q] == 1;
    CHECK(ok, "P3 range [0.1, 10] log-uniform");
    /* the affine coefficients come from the model: theta_q = mu_q, phi_0 = 1 */
    CHECK_OK(ctx, rom_model_operator_coefficients(rom_problem_model(p), mu, theta));
    CHECK_OK(ctx, rom_model_rhs_coefficients(rom_problem_model(p), mu, phi));
    CHECK(theta[0] == 0.5 && theta[3] == 7.0 && phi[0] == 1.0, "P3 coefficients");
    double *u = malloc(sizeof(double) * (size_t)(L + 1));
    for (rom_int l = 0; l < L; ++l)
      u[l] = 1.0;
    CHECK_OK(ctx, rom_problem_initial(p, mu, u));
    ok = 1;
    for (rom_int l = 0; l < L; ++l)
      ok = ok && u[l] == 0.0;
    CHECK(ok, "P3 initial state 0");
    free(u);
  }
  check_components(ctx, p);
  check_error(ctx, p, h, p3_direct_error);
  {
    rom_problem_recipe r;
    rom_ae *ae = NULL;
    CHECK_OK(ctx, rom_problem_recipe_of(p, &r));
    CHECK(r.ntrain == 0 && r.dim == 0 && r.ae_activation[0] == '\0', "P3: no recipe");
    CHECK_ERR(ctx, rom_problem_autoencoder_create(ctx, &r, 81, 2, 42, &ae), ROM_ERR_UNSUPPORTED);
    CHECK(ae == NULL, "no network");
  }
  rom_problem_destroy(&p);
  o.steps = 50;
  CHECK_OK(ctx, rom_problem_create(ctx, "P3", &o, &p));
  CHECK(p && rom_problem_steps(p) == 50 && rom_problem_time_step(p) == 0.5 / 50.0,
        "P3 transient: 50 steps over T = 0.5");
done:
  rom_heat2d_destroy(&h);
  rom_problem_destroy(&p);
}

/* The network from a recipe equals rom_ae_create_shallow with the recipe's numbers. */
static void check_same_network(rom_ctx *ctx, const char *what, rom_ae *a, rom_ae *b) {
  int same = a && b && rom_ae_num_layers(a) == rom_ae_num_layers(b) &&
             rom_ae_num_params(a) == rom_ae_num_params(b);
  for (int l = 0; same && l < rom_ae_num_layers(a); ++l) {
    rom_layer_spec sa, sb;
    rom_ae_layer(a, l, &sa);
    rom_ae_layer(b, l, &sb);
    same = sa.in == sb.in && sa.out == sb.out && sa.activation == sb.activation &&
           sa.bias == sb.bias && !sa.mask == !sb.mask;
    const rom_int nw = sa.mask ? rom_mask_nnz(sa.mask) : sa.in * sa.out;
    same = same && (!sa.mask || rom_mask_nnz(sa.mask) == rom_mask_nnz(sb.mask));
    same = same && !memcmp(rom_ae_layer_weights(a, l), rom_ae_layer_weights(b, l),
                           sizeof(double) * (size_t)nw);
  }
  (void)ctx;
  CHECK(same, "%s: the recipe's network equals rom_ae_create_shallow's, weight for weight", what);
}

static void check_recipes(rom_ctx *ctx) {
  rom_problem_recipe r;
  rom_mask *m = NULL;
  rom_ae *a = NULL, *b = NULL;
  rom_int h2 = 0;
  /* P1's network on 60 inputs */
  CHECK_OK(ctx, rom_problem_recipe_for_rows(ctx, "P1", 60, &r));
  CHECK_OK(ctx, rom_problem_autoencoder_create(ctx, &r, 60, 3, 42, &a));
  CHECK_OK(ctx, rom_mask_banded(ctx, 60, 36, 12, &m));
  CHECK_OK(ctx, rom_ae_create_shallow(ctx, 60, 120, 3, 12 * 59 + 36, ROM_ACT_SWISH, 0, m, 42, &b));
  check_same_network(ctx, "P1", a, b);
  rom_ae_destroy(&a);
  rom_ae_destroy(&b);
  rom_mask_destroy(&m);
  {
    rom_ae_train_options t = rom_ae_train_options_default(), d = rom_ae_train_options_default();
    rom_problem_train_options(&r, &t);
    CHECK(t.batch == d.batch && t.epochs == d.epochs && t.scale_minmax == 0,
          "P1 training settings are the defaults");
  }
  /* P2's on a 5 x 5 grid (grid points 7) */
  CHECK_OK(ctx, rom_problem_recipe_for_rows(ctx, "p2", 25, &r));
  CHECK(!strcmp(r.ae_mask, "stencil:5:5:100:10"), "P2 mask for 25 rows: %s", r.ae_mask);
  CHECK_OK(ctx, rom_problem_autoencoder_create(ctx, &r, 25, 2, 7, &a));
  CHECK_OK(ctx, rom_mask_stencil2d(ctx, 5, 5, 100, 10, &m));
  CHECK_OK(ctx,
           rom_ae_create_shallow(ctx, 25, 50, 2, rom_mask_cols(m), ROM_ACT_SIGMOID, 1, m, 7, &b));
  check_same_network(ctx, "P2", a, b);
  rom_ae_destroy(&a);
  rom_ae_destroy(&b);
  rom_mask_destroy(&m);
  {
    rom_ae_train_options t = rom_ae_train_options_default();
    rom_problem_train_options(&r, &t);
    CHECK(t.batch == 240 && t.epochs == 2000 && t.scale_minmax == 1, "P2 training settings");
  }
  CHECK_ERR(ctx, rom_problem_recipe_for_rows(ctx, "P2", 24, &r), ROM_ERR_DIM);
  CHECK(strstr(rom_ctx_last_error(ctx), "square") != NULL, "P2 non-square: %s",
        rom_ctx_last_error(ctx));
  CHECK_ERR(ctx, rom_problem_recipe_for_rows(ctx, "P9", 24, &r), ROM_ERR_ARG);
  /* a problem built for the rows of a data file (romkit hyper's stencil) */
  {
    rom_problem *p = NULL;
    const rom_int L = test_uneven_rows(50, rom_ctx_rank(ctx), rom_ctx_size(ctx));
    CHECK_OK(ctx, rom_problem_create_for_rows(ctx, "P2", 50, L, &p));
    CHECK(p && rom_problem_global_rows(p) == 50 && rom_problem_component_rows(p) == 25 &&
              rom_problem_local_rows(p) == L,
          "P2 for 50 rows: a 5 x 5 interior grid, the given partition");
    rom_problem_destroy(&p);
    CHECK_ERR(ctx, rom_problem_create_for_rows(ctx, "P2", 60, ROM_AUTO_ROWS, &p), ROM_ERR_DIM);
    CHECK(p == NULL && strstr(rom_ctx_last_error(ctx), "2 g^2") &&
              strstr(rom_ctx_last_error(ctx), "N = 60"),
          "P2 for 60 rows: %s", rom_ctx_last_error(ctx));
    CHECK_OK(ctx, rom_problem_create_for_rows(ctx, "p1", 60, ROM_AUTO_ROWS, &p));
    CHECK(p && rom_problem_global_rows(p) == 60, "P1 for 60 rows");
    rom_problem_destroy(&p);
    CHECK_ERR(ctx, rom_problem_create_for_rows(ctx, "P3", 80, ROM_AUTO_ROWS, &p), ROM_ERR_DIM);
    CHECK_ERR(ctx, rom_problem_create_for_rows(ctx, "nope", 80, ROM_AUTO_ROWS, &p), ROM_ERR_ARG);
  }
  /* the default network is P1's */
  rom_problem_recipe_default_network(&r);
  CHECK(!strcmp(r.ae_activation, "swish") && !strcmp(r.ae_mask, "band:36:12") && r.ae_batch == 20 &&
            r.ae_epochs == 10000,
        "default network");
  /* the mask spelling */
  CHECK_OK(ctx, rom_mask_from_spec(ctx, "band:6:2", 10, &m, &h2));
  CHECK(m && h2 == 2 * 9 + 6 && rom_mask_rows(m) == 10, "band:6:2");
  rom_mask_destroy(&m);
  CHECK_OK(ctx, rom_mask_from_spec(ctx, "dense:7", 10, &m, &h2));
  CHECK(m == NULL && h2 == 7, "dense:7");
  CHECK_ERR(ctx, rom_mask_from_spec(ctx, "band:0:2", 10, &m, &h2), ROM_ERR_ARG);
  CHECK_ERR(ctx, rom_mask_from_spec(ctx, "band:6:2x", 10, &m, &h2), ROM_ERR_ARG);
  CHECK_ERR(ctx, rom_mask_from_spec(ctx, "stencil:5:5:4:2", 10, &m, &h2), ROM_ERR_DIM);
  CHECK_ERR(ctx, rom_mask_from_spec(ctx, "circle:3", 10, &m, &h2), ROM_ERR_ARG);
  snprintf(r.ae_activation, sizeof r.ae_activation, "relu");
  CHECK_ERR(ctx, rom_problem_autoencoder_create(ctx, &r, 10, 2, 42, &a), ROM_ERR_ARG);
}

static void check_registry(rom_ctx *ctx) {
  char buf[256];
  const int n0 = rom_problem_count();
  CHECK(n0 == 4, "4 built-in problems, got %d", n0);
  CHECK(!strcmp(rom_problem_name(0), "P1") && !strcmp(rom_problem_name(1), "P2") &&
            !strcmp(rom_problem_name(2), "P3") && !strcmp(rom_problem_name(3), "P3X") &&
            rom_problem_name(4) == NULL && rom_problem_name(-1) == NULL,
        "names in order");
  CHECK(!strcmp(rom_problem_names(buf, sizeof buf), "P1, P2, P3, P3X"), "names: %s", buf);
  CHECK(rom_problem_find("p2") == rom_problem_find("P2") && rom_problem_find("P2") != NULL,
        "case-insensitive lookup");
  CHECK(rom_problem_find("Heat") == rom_problem_find("P3") &&
            rom_problem_find("BURGERS1D") == rom_problem_find("P1"),
        "aliases");
  CHECK(rom_problem_find("P") == NULL && rom_problem_find("P12") == NULL &&
            rom_problem_find("hea") == NULL && rom_problem_find(NULL) == NULL,
        "no prefix matches");
  {
    rom_problem *p = NULL;
    CHECK_ERR(ctx, rom_problem_create(ctx, "burgers3d", NULL, &p), ROM_ERR_ARG);
    CHECK(strstr(rom_ctx_last_error(ctx), "unknown problem 'burgers3d'") &&
              strstr(rom_ctx_last_error(ctx), "P1, P2, P3"),
          "unknown-name sentence: %s", rom_ctx_last_error(ctx));
    CHECK(p == NULL, "no object");
  }
  /* a user registration: P1's table under another name */
  rom_problem_ops mine = *rom_problem_find("P1");
  mine.name = "MyBurgers";
  mine.summary = "P1 again, registered by a user";
  mine.aliases = "mb, mb2";
  CHECK(rom_problem_register(&mine) == ROM_OK, "user registration");
  CHECK(rom_problem_count() == n0 + 1 && !strcmp(rom_problem_name(n0), "MyBurgers"),
        "registered last");
  CHECK(rom_problem_register(&mine) == ROM_ERR_ARG, "duplicate registration refused");
  rom_problem_ops dup = mine;
  dup.name = "myburgers";
  dup.aliases = NULL;
  CHECK(rom_problem_register(&dup) == ROM_ERR_ARG, "duplicate name in other case refused");
  dup.name = "Fresh";
  dup.aliases = "x, HEAT";
  CHECK(rom_problem_register(&dup) == ROM_ERR_ARG, "an alias taken by P3 refused");
  dup.aliases = NULL;
  dup.error = NULL;
  CHECK(rom_problem_register(&dup) == ROM_ERR_ARG, "a table without an error op refused");
  CHECK(rom_problem_register(NULL) == ROM_ERR_ARG, "NULL refused");
  CHECK(rom_problem_count() == n0 + 1, "refusals leave the registry as it was");
  {
    rom_problem *p = NULL;
    rom_problem_options o = rom_problem_options_default();
    o.resolution = 40;
    CHECK_OK(ctx, rom_problem_create(ctx, "MB2", &o, &p));
    CHECK(p && !strcmp(rom_problem_name_of(p), "MyBurgers") && rom_problem_global_rows(p) == 40 &&
              !strcmp(rom_problem_cache_prefix(p), "MyBurgers_g40"),
          "the user's problem by its alias");
    rom_problem_destroy(&p);
    CHECK(!strcmp(rom_problem_names(buf, sizeof buf), "P1, P2, P3, P3X, MyBurgers"), "names: %s",
          buf);
    rom_problem_destroy(&p); /* NULL-safe */
  }
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  const int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  check_p1(ctx, ROM_AUTO_ROWS, 0);
  check_p1(ctx, test_uneven_rows(1000, rank, size), 60);
  check_p2(ctx, ROM_AUTO_ROWS);
  check_p2(ctx, test_uneven_rows(200, rank, size));
  check_p3(ctx, ROM_AUTO_ROWS);
  check_p3(ctx, test_uneven_rows(81, rank, size));
  check_recipes(ctx);
  check_registry(ctx);
  return test_finish(&ctx);
}
