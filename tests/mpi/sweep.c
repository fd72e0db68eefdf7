/* Sweeps and ROM outputs at 1, 2 and 4 ranks (romkit/sweep.h, rom_affine_rom_add_output).
 *
 * Independent checks:
 *  - grid samples against this file's own linspace / logspace of the ranges;
 *  - every design's samples and outputs, gathered from all ranks, bitwise equal to a serial
 *    sweep on rank 0 (MPI_COMM_SELF, the ROM read back from its file): the same on any
 *    rank count; statistics bitwise equal to the serial ones, and equal to a two-pass
 *    mean/variance of the gathered outputs to 1e-12 relative;
 *  - Latin hypercube stratification: each of the ns strata of each parameter (on its linear
 *    or log scale) holds exactly one sample;
 *  - outputs (the average temperature, two probes) of a full-rank ROM (identity basis plus a
 *    non-zero reference, so the l_0 term is exercised) equal l^T u of the FOM's own solves;
 *  - the ROM file round trip with outputs, and a file without outputs;
 *  - error paths: bad ranges, zero samples, a parameter / term count mismatch, a singular
 *    reduced matrix at a known sample (reported on every rank with index and mu), a failing
 *    coefficient callback, bad output names and a basis of the wrong size. */
#include "testutil.h"
#include "core/check.h"
#include "io/h5.h"

#include <stdlib.h>
#include <string.h>

#define N1D 8
#define NP 4

typedef struct {
  rom_heat2d *h;
  rom_basis *basis;
  rom_affine_rom *rom;
  rom_int L, off, N;
  double *l_avg, *l_p1, *l_p2;
} setup;

static void make_setup(rom_ctx *ctx, setup *s) {
  memset(s, 0, sizeof *s);
  rom_heat2d_options o = rom_heat2d_options_default();
  o.n = N1D;
  CHECK_OK(ctx, rom_heat2d_create(ctx, &o,
                                  test_uneven_rows(N1D * N1D, rom_ctx_rank(ctx), rom_ctx_size(ctx)),
                                  &s->h));
  s->L = rom_heat2d_local_rows(s->h);
  s->N = rom_heat2d_global_rows(s->h);
  MPI_Exscan(&s->L, &s->off, 1, MPI_INT64_T, MPI_SUM, rom_ctx_comm(ctx));
  if (rom_ctx_rank(ctx) == 0) s->off = 0;
  /* Identity basis (k = N) and a reference vector: the ROM is exact up to round-off. */
  rom_dmat *V = NULL;
  CHECK_OK(ctx, rom_dmat_create(ctx, s->L, s->N, &V));
  double *Vd = rom_dmat_data(V);
  const rom_int ld = rom_dmat_ld(V);
  double *ref = calloc((size_t)s->L + 1, sizeof(double));
  s->l_avg = calloc((size_t)s->L + 1, sizeof(double));
  s->l_p1 = calloc((size_t)s->L + 1, sizeof(double));
  s->l_p2 = calloc((size_t)s->L + 1, sizeof(double));
  const rom_int p1 = (N1D / 2) * N1D + N1D / 2, p2 = 1 * N1D + 2;
  for (rom_int l = 0; l < s->L; ++l) {
    const rom_int g = s->off + l;
    Vd[l + g * ld] = 1.0;
    ref[l] = 0.01 * (double)(g % 7) - 0.02;
    s->l_avg[l] = 1.0 / (double)s->N;
    s->l_p1[l] = g == p1;
    s->l_p2[l] = g == p2;
  }
  CHECK_OK(ctx, rom_basis_create(V, NULL, 0, ref, &s->basis));
  CHECK_OK(ctx, rom_affine_rom_build(rom_heat2d_model(s->h), s->basis, &s->rom));
  CHECK(rom_affine_rom_num_outputs(s->rom) == 0, "a new ROM has no outputs");
  CHECK_OK(ctx, rom_affine_rom_add_output(s->rom, s->basis, "average", s->l_avg));
  CHECK_OK(ctx, rom_affine_rom_add_output(s->rom, s->basis, "probe_center", s->l_p1));
  CHECK_OK(ctx, rom_affine_rom_add_output(s->rom, s->basis, "probe_corner", s->l_p2));
  CHECK(rom_affine_rom_num_outputs(s->rom) == 3, "three outputs");
  CHECK(!strcmp(rom_affine_rom_output_name(s->rom, 1), "probe_center"), "output name 1");
  CHECK(rom_affine_rom_output_name(s->rom, 3) == NULL, "output name out of range");
  rom_dmat_destroy(&V);
  free(ref);
}

static void free_setup(setup *s) {
  rom_affine_rom_destroy(&s->rom);
  rom_basis_destroy(&s->basis);
  rom_heat2d_destroy(&s->h);
  free(s->l_avg);
  free(s->l_p1);
  free(s->l_p2);
}

static double dot(rom_ctx *ctx, const double *x, const double *y, rom_int L) {
  double s = 0.0, t = 0.0;
  for (rom_int l = 0; l < L; ++l)
    s += x[l] * y[l];
  MPI_Allreduce(&s, &t, 1, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx));
  return t;
}

/* Gathers the sweep's local rows (local x cols, row-major) on rank 0 (NULL elsewhere). */
static double *gather_rows(rom_ctx *ctx, const rom_sweep *sw, const double *local, int cols) {
  const int P = rom_ctx_size(ctx), r = rom_ctx_rank(ctx);
  int mine = (int)(rom_sweep_local_samples(sw) * cols);
  int *counts = calloc((size_t)P, sizeof(int)), *displs = calloc((size_t)P, sizeof(int));
  MPI_Gather(&mine, 1, MPI_INT, counts, 1, MPI_INT, 0, rom_ctx_comm(ctx));
  double *all = NULL;
  if (r == 0) {
    for (int i = 1; i < P; ++i)
      displs[i] = displs[i - 1] + counts[i - 1];
    all = calloc((size_t)(rom_sweep_samples(sw) * cols) + 1, sizeof(double));
  }
  MPI_Gatherv(local, mine, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, rom_ctx_comm(ctx));
  free(counts);
  free(displs);
  return all;
}

static const double LOW[NP] = {0.1, 0.1, 0.5, 1.0}, HIGH[NP] = {10.0, 10.0, 2.0, 3.0};
static const int LOGS[NP] = {1, 1, 0, 0};

/* ---- outputs and the ROM file ------------------------------------------------------------- */

static void test_outputs_vs_fom(rom_ctx *ctx, setup *s) {
  double mu[NP] = {0.3, 2.0, 1.5, 0.8}, phi = 1.0, values[3];
  const rom_int N = s->N;
  double *q = calloc((size_t)N, sizeof(double)), *u = calloc((size_t)s->L + 1, sizeof(double));
  CHECK_OK(ctx, rom_affine_rom_solve(s->rom, mu, &phi, q));
  CHECK_OK(ctx, rom_affine_rom_evaluate_outputs(s->rom, q, values));
  CHECK_OK(ctx, rom_heat2d_solve(s->h, mu, u));
  const double *ls[3] = {s->l_avg, s->l_p1, s->l_p2};
  for (int o = 0; o < 3; ++o)
    CHECK_CLOSE(values[o], dot(ctx, ls[o], u, s->L), 1e-10, "output %d vs l^T u of the FOM", o);
  free(q);
  free(u);
}

static void test_rom_file(rom_ctx *ctx, setup *s) {
  char path[512], path0[512];
  rom_affine_rom *back = NULL, *plain = NULL;
  test_path(ctx, "sweep_rom", path, sizeof path);
  test_path(ctx, "sweep_rom_plain", path0, sizeof path0);
  CHECK_OK(ctx, rom_affine_rom_write(s->rom, path, 1));
  CHECK_OK(ctx, rom_affine_rom_read(ctx, path, &back));
  CHECK(rom_affine_rom_num_outputs(back) == 3, "outputs read back: %d",
        rom_affine_rom_num_outputs(back));
  for (int o = 0; o < 3; ++o)
    CHECK(rom_affine_rom_output_name(back, o) &&
              !strcmp(rom_affine_rom_output_name(back, o), rom_affine_rom_output_name(s->rom, o)),
          "name %d read back", o);
  double mu[NP] = {1.0, 0.2, 0.7, 2.5}, phi = 1.0, a[3], b[3];
  double *q = calloc((size_t)s->N, sizeof(double));
  CHECK_OK(ctx, rom_affine_rom_solve(s->rom, mu, &phi, q));
  CHECK_OK(ctx, rom_affine_rom_evaluate_outputs(s->rom, q, a));
  CHECK_OK(ctx, rom_affine_rom_solve(back, mu, &phi, q));
  CHECK_OK(ctx, rom_affine_rom_evaluate_outputs(back, q, b));
  CHECK(memcmp(a, b, sizeof a) == 0, "outputs bitwise equal after the round trip");
  /* A ROM without outputs (as written before outputs existed) reads back with none. */
  CHECK_OK(ctx, rom_affine_rom_build(rom_heat2d_model(s->h), s->basis, &plain));
  CHECK_OK(ctx, rom_affine_rom_write(plain, path0, 1));
  rom_affine_rom_destroy(&plain);
  CHECK_OK(ctx, rom_affine_rom_read(ctx, path0, &plain));
  CHECK(plain && rom_affine_rom_num_outputs(plain) == 0, "no outputs in a plain ROM file");
  rom_affine_rom_destroy(&plain);
  rom_affine_rom_destroy(&back);
  free(q);
}

/* ---- designs ------------------------------------------------------------------------------- */

static void test_grid_points(rom_ctx *ctx) {
  const rom_int counts[NP] = {3, 1, 4, 2};
  rom_sweep_design *d = NULL;
  CHECK_OK(ctx,
           rom_sweep_design_create(ctx, ROM_SWEEP_GRID, NP, LOW, HIGH, LOGS, 0, counts, 0, &d));
  CHECK(rom_sweep_design_samples(d) == 24, "grid of 3*1*4*2 points");
  double mu[NP];
  int ok = 1;
  for (rom_int i = 0; i < 24; ++i) {
    rom_int idx[NP] = {i % 3, 0, (i / 3) % 4, i / 12};
    CHECK_OK(ctx, rom_sweep_design_sample(d, i, mu));
    for (int j = 0; j < NP; ++j) {
      double t = counts[j] == 1 ? 0.5 : (double)idx[j] / (double)(counts[j] - 1);
      double want = LOGS[j] ? LOW[j] * pow(HIGH[j] / LOW[j], t) : LOW[j] + (HIGH[j] - LOW[j]) * t;
      ok = ok && fabs(mu[j] - want) <= 1e-14 * want;
      if (idx[j] == 0 && counts[j] > 1) ok = ok && mu[j] == LOW[j];
      if (idx[j] == counts[j] - 1 && counts[j] > 1) ok = ok && mu[j] == HIGH[j];
    }
  }
  CHECK(ok, "grid points are the linspace / logspace of the ranges, ends exact");
  CHECK_ERR(ctx, rom_sweep_design_sample(d, 24, mu), ROM_ERR_ARG);
  rom_sweep_design_destroy(&d);
}

static void test_lhs_strata(rom_ctx *ctx) {
  for (rom_int ns = 1; ns <= 1000; ns = ns * 7 + 3) {
    rom_sweep_design *d = NULL;
    CHECK_OK(ctx,
             rom_sweep_design_create(ctx, ROM_SWEEP_LHS, NP, LOW, HIGH, LOGS, ns, NULL, 99, &d));
    int *hits = calloc((size_t)(ns * NP), sizeof(int));
    double mu[NP];
    int ok = 1;
    for (rom_int i = 0; i < ns; ++i) {
      rom_sweep_design_sample(d, i, mu);
      for (int j = 0; j < NP; ++j) {
        double t = LOGS[j] ? log(mu[j] / LOW[j]) / log(HIGH[j] / LOW[j])
                           : (mu[j] - LOW[j]) / (HIGH[j] - LOW[j]);
        rom_int st = (rom_int)floor(t * (double)ns);
        ok = ok && t >= 0.0 && t < 1.0 + 1e-15;
        if (st >= ns) st = ns - 1;
        if (st < 0) st = 0;
        hits[st * NP + j]++;
      }
    }
    for (rom_int i = 0; i < ns * NP; ++i)
      ok = ok && hits[i] == 1;
    CHECK(ok, "LHS with %lld samples: each stratum of each parameter holds exactly one",
          (long long)ns);
    free(hits);
    rom_sweep_design_destroy(&d);
  }
  /* Different seeds give different designs; the same seed the same. */
  rom_sweep_design *a = NULL, *b = NULL, *c = NULL;
  double x[NP], y[NP], z[NP];
  rom_sweep_design_create(ctx, ROM_SWEEP_LHS, NP, LOW, HIGH, NULL, 50, NULL, 1, &a);
  rom_sweep_design_create(ctx, ROM_SWEEP_LHS, NP, LOW, HIGH, NULL, 50, NULL, 1, &b);
  rom_sweep_design_create(ctx, ROM_SWEEP_LHS, NP, LOW, HIGH, NULL, 50, NULL, 2, &c);
  rom_sweep_design_sample(a, 17, x);
  rom_sweep_design_sample(b, 17, y);
  rom_sweep_design_sample(c, 17, z);
  CHECK(memcmp(x, y, sizeof x) == 0 && memcmp(x, z, sizeof x) != 0, "LHS seeds");
  rom_sweep_design_destroy(&a);
  rom_sweep_design_destroy(&b);
  rom_sweep_design_destroy(&c);
}

static void test_mc_moments(rom_ctx *ctx) {
  const rom_int ns = 20000;
  rom_sweep_design *d = NULL;
  CHECK_OK(ctx, rom_sweep_design_create(ctx, ROM_SWEEP_MONTE_CARLO, NP, LOW, HIGH, LOGS, ns, NULL,
                                        5, &d));
  double sum[NP] = {0}, mu[NP];
  int inside = 1;
  for (rom_int i = 0; i < ns; ++i) {
    rom_sweep_design_sample(d, i, mu);
    for (int j = 0; j < NP; ++j) {
      inside = inside && mu[j] >= LOW[j] && mu[j] <= HIGH[j];
      sum[j] += LOGS[j] ? log(mu[j] / LOW[j]) / log(HIGH[j] / LOW[j])
                        : (mu[j] - LOW[j]) / (HIGH[j] - LOW[j]);
    }
  }
  CHECK(inside, "Monte Carlo samples inside the box");
  /* The mean of ns uniforms has standard deviation 1/sqrt(12 ns) = 0.002: allow 5 sigma. */
  for (int j = 0; j < NP; ++j)
    CHECK(fabs(sum[j] / (double)ns - 0.5) < 0.0103, "parameter %d: mean position %g ~ 0.5", j,
          sum[j] / (double)ns);
  rom_sweep_design_destroy(&d);
}

/* ---- sweeps: rank-count independence, FOM agreement, statistics, the file ---------------- */

static void check_sweep(rom_ctx *ctx, setup *s, rom_sweep_design_kind kind, rom_int ns,
                        const char *rom_path, int check_fom) {
  const int r = rom_ctx_rank(ctx), no = 3;
  const rom_int counts[NP] = {3, 2, 2, 3};
  rom_sweep_design *d = NULL;
  rom_sweep *sw = NULL;
  CHECK_OK(ctx,
           rom_sweep_design_create(ctx, kind, NP, LOW, HIGH, LOGS, kind == ROM_SWEEP_GRID ? 0 : ns,
                                   kind == ROM_SWEEP_GRID ? counts : NULL, 42, &d));
  ns = rom_sweep_design_samples(d);
  CHECK_OK(ctx, rom_sweep_run(s->rom, d, NULL, NULL, &sw));
  if (!sw) {
    rom_sweep_design_destroy(&d);
    return;
  }
  CHECK(rom_sweep_samples(sw) == ns && rom_sweep_num_outputs(sw) == no &&
            rom_sweep_num_parameters(sw) == NP,
        "sweep sizes");
  CHECK(!strcmp(rom_sweep_output_name(sw, 2), "probe_corner"), "sweep output names");
  {
    rom_int total = 0, mine = rom_sweep_local_samples(sw), first = 0;
    MPI_Allreduce(&mine, &total, 1, MPI_INT64_T, MPI_SUM, rom_ctx_comm(ctx));
    MPI_Exscan(&mine, &first, 1, MPI_INT64_T, MPI_SUM, rom_ctx_comm(ctx));
    if (r == 0) first = 0;
    CHECK(total == ns && first == rom_sweep_local_offset(sw), "contiguous blocks cover the design");
  }
  double mean[3], var[3], mn[3], mx[3];
  CHECK_OK(ctx, rom_sweep_statistics(sw, mean, var, mn, mx));
  double *P = gather_rows(ctx, sw, rom_sweep_local_parameters(sw), NP);
  double *O = gather_rows(ctx, sw, rom_sweep_local_outputs(sw), no);

  /* The file, read back through the io layer. */
  char path[512];
  test_path(ctx, "sweep_out", path, sizeof path);
  CHECK_OK(ctx, rom_sweep_write(sw, path, 1));
  CHECK_ERR(ctx, rom_sweep_write(sw, path, 0), ROM_ERR_EXISTS);
  {
    rom_h5 *f = NULL;
    double *fp = NULL, *fo = NULL;
    int nd = 0;
    rom_int dims[4];
    char design[32] = "", names[256] = "";
    int64_t seed = 0;
    CHECK_OK(ctx, rom_h5_open(ctx, path, "sweep", &f));
    CHECK_OK(ctx, rom_h5_read_array_alloc(f, "parameters", &nd, dims, &fp));
    CHECK(nd == 2 && dims[0] == ns && dims[1] == NP, "/parameters {ns, p}");
    CHECK_OK(ctx, rom_h5_read_array_alloc(f, "outputs", &nd, dims, &fo));
    CHECK(nd == 2 && dims[0] == ns && dims[1] == no, "/outputs {ns, no}");
    CHECK_OK(ctx, rom_h5_read_attr_string(f, "design", design, sizeof design, NULL));
    CHECK_OK(ctx, rom_h5_read_attr_string(f, "output_names", names, sizeof names, NULL));
    CHECK_OK(ctx, rom_h5_read_attr_int(f, "seed", &seed, NULL));
    CHECK(!strcmp(design, rom_sweep_design_kind_name(kind)) && seed == 42 &&
              !strcmp(names, "average,probe_center,probe_corner"),
          "sweep attributes '%s' %lld '%s'", design, (long long)seed, names);
    if (r == 0 && fp && fo)
      CHECK(memcmp(fp, P, sizeof(double) * (size_t)(ns * NP)) == 0 &&
                memcmp(fo, O, sizeof(double) * (size_t)(ns * no)) == 0,
            "the file holds the gathered samples and outputs");
    rom_free(ctx, fp);
    rom_free(ctx, fo);
    rom_h5_close(&f);
  }

  /* Rank 0: a serial sweep on MPI_COMM_SELF from the ROM file must give the same bits. */
  if (r == 0) {
    rom_ctx *self = NULL;
    rom_affine_rom *rom1 = NULL;
    rom_sweep *sw1 = NULL;
    rom_sweep_design *d1 = NULL;
    rom_ctx_create(MPI_COMM_SELF, &self);
    CHECK_OK(self, rom_affine_rom_read(self, rom_path, &rom1));
    CHECK_OK(self, rom_sweep_design_create(self, kind, NP, LOW, HIGH, LOGS,
                                           kind == ROM_SWEEP_GRID ? 0 : ns,
                                           kind == ROM_SWEEP_GRID ? counts : NULL, 42, &d1));
    CHECK_OK(self, rom_sweep_run(rom1, d1, NULL, NULL, &sw1));
    if (sw1) {
      CHECK(memcmp(rom_sweep_local_parameters(sw1), P, sizeof(double) * (size_t)(ns * NP)) == 0,
            "%s: samples equal to the serial design", rom_sweep_design_kind_name(kind));
      CHECK(memcmp(rom_sweep_local_outputs(sw1), O, sizeof(double) * (size_t)(ns * no)) == 0,
            "%s: outputs bitwise equal to the serial sweep", rom_sweep_design_kind_name(kind));
      double m1[3], v1[3], a1[3], b1[3];
      rom_sweep_statistics(sw1, m1, v1, a1, b1);
      for (int o = 0; o < no; ++o) {
        /* accumulated in sample order: the same bits on any rank count (more than the
         * 1e-12 relative the brief asks for) */
        CHECK(mean[o] == m1[o] && var[o] == v1[o] && mn[o] == a1[o] && mx[o] == b1[o],
              "statistics of output %d bitwise equal to the serial sweep's: mean %.17g vs %.17g, "
              "variance %.17g vs %.17g",
              o, mean[o], m1[o], var[o], v1[o]);
        /* and a plain two-pass over the gathered outputs */
        double sum = 0.0, m2 = 0.0;
        for (rom_int i = 0; i < ns; ++i)
          sum += O[i * no + o];
        double m = sum / (double)ns;
        for (rom_int i = 0; i < ns; ++i)
          m2 += (O[i * no + o] - m) * (O[i * no + o] - m);
        double v = ns > 1 ? m2 / (double)(ns - 1) : 0.0;
        CHECK(fabs(mean[o] - m) <= 1e-12 * fabs(m) && fabs(var[o] - v) <= 1e-12 * fabs(v),
              "output %d: mean %.17g vs %.17g, variance %.17g vs %.17g", o, mean[o], m, var[o], v);
      }
    }
    rom_sweep_destroy(&sw1);
    rom_sweep_design_destroy(&d1);
    rom_affine_rom_destroy(&rom1);
    rom_ctx_destroy(&self);
  }

  /* Outputs against the FOM (exact ROM): the first few samples, solved by every rank. */
  if (check_fom) {
    const rom_int m = ns < 6 ? ns : 6;
    double *u = calloc((size_t)s->L + 1, sizeof(double)), mu[NP], fom[3], rom[3] = {0, 0, 0};
    const double *ls[3] = {s->l_avg, s->l_p1, s->l_p2};
    for (rom_int i = 0; i < m; ++i) {
      rom_sweep_design_sample(d, i, mu);
      CHECK_OK(ctx, rom_heat2d_solve(s->h, mu, u));
      for (int o = 0; o < no; ++o)
        fom[o] = dot(ctx, ls[o], u, s->L);
      if (r == 0)
        for (int o = 0; o < no; ++o)
          rom[o] = O[i * no + o];
      MPI_Bcast(rom, 3, MPI_DOUBLE, 0, rom_ctx_comm(ctx));
      for (int o = 0; o < no; ++o)
        CHECK_CLOSE(rom[o], fom[o], 1e-9, "sample %lld output %d: ROM vs FOM", (long long)i, o);
    }
    free(u);
  }
  free(P);
  free(O);
  rom_sweep_destroy(&sw);
  rom_sweep_design_destroy(&d);
}

/* ---- errors ---------------------------------------------------------------------------------- */

typedef struct {
  double zero_at; /* theta = 0 (singular) where mu[0] equals this */
  int fail;       /* return this from the callback */
} coef_user;

static int coef_cb(void *user, const double *mu, double *theta, double *phi) {
  coef_user *c = (coef_user *)user;
  if (c->fail) return c->fail;
  for (int q = 0; q < NP; ++q)
    theta[q] = mu[0] == c->zero_at ? 0.0 : mu[q];
  phi[0] = 1.0;
  return 0;
}

static void test_errors(rom_ctx *ctx, setup *s) {
  rom_sweep_design *d = NULL;
  rom_sweep *sw = NULL;
  const double bad_high[NP] = {10.0, 0.1, 2.0, 3.0}, neg_low[NP] = {-1.0, 0.1, 0.5, 1.0};
  const rom_int counts[NP] = {5, 1, 1, 2}, zero_counts[NP] = {2, 0, 1, 1};
  CHECK_ERR(
      ctx,
      rom_sweep_design_create(ctx, ROM_SWEEP_MONTE_CARLO, NP, LOW, bad_high, NULL, 10, NULL, 1, &d),
      ROM_ERR_ARG);
  CHECK(strstr(rom_ctx_last_error(ctx), "parameter 1") != NULL, "message names the parameter: %s",
        rom_ctx_last_error(ctx));
  CHECK_ERR(ctx,
            rom_sweep_design_create(ctx, ROM_SWEEP_LHS, NP, neg_low, HIGH, LOGS, 10, NULL, 1, &d),
            ROM_ERR_ARG);
  CHECK_OK(ctx,
           rom_sweep_design_create(ctx, ROM_SWEEP_LHS, NP, neg_low, HIGH, NULL, 10, NULL, 1, &d));
  rom_sweep_design_destroy(&d);
  CHECK_ERR(
      ctx, rom_sweep_design_create(ctx, ROM_SWEEP_MONTE_CARLO, NP, LOW, HIGH, NULL, 0, NULL, 1, &d),
      ROM_ERR_ARG);
  CHECK_ERR(
      ctx, rom_sweep_design_create(ctx, ROM_SWEEP_GRID, NP, LOW, HIGH, NULL, 0, zero_counts, 1, &d),
      ROM_ERR_ARG);
  CHECK_ERR(ctx,
            rom_sweep_design_create(ctx, ROM_SWEEP_GRID, NP, LOW, HIGH, NULL, 7, counts, 1, &d),
            ROM_ERR_ARG);
  CHECK_ERR(ctx, rom_sweep_design_create(ctx, ROM_SWEEP_LHS, 0, LOW, HIGH, NULL, 7, NULL, 1, &d),
            ROM_ERR_ARG);
  CHECK(d == NULL, "no design after errors");
  {
    rom_sweep_design_kind k;
    CHECK(rom_sweep_design_kind_from_name("lhs", &k) == ROM_OK && k == ROM_SWEEP_LHS, "lhs name");
    CHECK(rom_sweep_design_kind_from_name("sobol", &k) == ROM_ERR_ARG, "unknown design name");
  }
  /* 3 parameters for a 4-term ROM with the default coefficients. */
  CHECK_OK(ctx, rom_sweep_design_create(ctx, ROM_SWEEP_MONTE_CARLO, 3, LOW, HIGH, NULL, 10, NULL, 1,
                                        &d));
  CHECK_ERR(ctx, rom_sweep_run(s->rom, d, NULL, NULL, &sw), ROM_ERR_DIM);
  rom_sweep_design_destroy(&d);

  /* Singular at grid sample 3 (mu_0 = its 4th point): every rank reports it. */
  CHECK_OK(ctx,
           rom_sweep_design_create(ctx, ROM_SWEEP_GRID, NP, LOW, HIGH, NULL, 0, counts, 0, &d));
  coef_user cu = {0.0, 0};
  double mu3[NP];
  rom_sweep_design_sample(d, 3, mu3);
  cu.zero_at = mu3[0];
  CHECK_ERR(ctx, rom_sweep_run(s->rom, d, coef_cb, &cu, &sw), ROM_ERR_SINGULAR);
  CHECK(sw == NULL, "no sweep after an error");
  CHECK(strstr(rom_ctx_last_error(ctx), "sample 3 of 10") != NULL &&
            strstr(rom_ctx_last_error(ctx), "mu = (7.") != NULL,
        "the singular sample and its mu are named on every rank: %s", rom_ctx_last_error(ctx));
  cu.fail = 3;
  CHECK_ERR(ctx, rom_sweep_run(s->rom, d, coef_cb, &cu, &sw), ROM_ERR_CALLBACK);
  CHECK(strstr(rom_ctx_last_error(ctx), "sample 0 of 10") != NULL,
        "callback failure at sample 0: %s", rom_ctx_last_error(ctx));
  /* With a working callback the same design runs. */
  cu.fail = 0;
  cu.zero_at = -1.0;
  CHECK_OK(ctx, rom_sweep_run(s->rom, d, coef_cb, &cu, &sw));
  rom_sweep_destroy(&sw);
  /* The model's own coefficients. */
  CHECK_OK(ctx,
           rom_sweep_run(s->rom, d, rom_sweep_model_coefficients, rom_heat2d_model(s->h), &sw));
  rom_sweep_destroy(&sw);
  rom_sweep_design_destroy(&d);

  /* Output errors. */
  CHECK_ERR(ctx, rom_affine_rom_add_output(s->rom, s->basis, "a,b", s->l_avg), ROM_ERR_ARG);
  CHECK_ERR(ctx, rom_affine_rom_add_output(s->rom, s->basis, "average", s->l_avg), ROM_ERR_ARG);
  CHECK_ERR(ctx, rom_affine_rom_add_output(s->rom, s->basis, "", s->l_avg), ROM_ERR_ARG);
  {
    rom_dmat *V2 = NULL;
    rom_basis *b2 = NULL;
    CHECK_OK(ctx, rom_dmat_create(ctx, s->L, 2, &V2));
    CHECK_OK(ctx, rom_basis_create(V2, NULL, 0, NULL, &b2));
    CHECK_ERR(ctx, rom_affine_rom_add_output(s->rom, b2, "small", s->l_avg), ROM_ERR_DIM);
    rom_basis_destroy(&b2);
    rom_dmat_destroy(&V2);
  }
  CHECK(rom_affine_rom_num_outputs(s->rom) == 3, "failed adds leave the outputs unchanged");
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  setup s;
  char rom_path[512];
  make_setup(ctx, &s);
  test_outputs_vs_fom(ctx, &s);
  test_rom_file(ctx, &s);
  test_grid_points(ctx);
  test_lhs_strata(ctx);
  test_mc_moments(ctx);
  test_path(ctx, "sweep_rom", rom_path, sizeof rom_path);
  check_sweep(ctx, &s, ROM_SWEEP_GRID, 0, rom_path, 1);
  check_sweep(ctx, &s, ROM_SWEEP_LHS, 301, rom_path, 1);
  check_sweep(ctx, &s, ROM_SWEEP_MONTE_CARLO, 1000, rom_path, 0);
  check_sweep(ctx, &s, ROM_SWEEP_MONTE_CARLO, 3, rom_path, 0); /* fewer samples than ranks */
  test_errors(ctx, &s);
  free_setup(&s);
  return test_finish(&ctx);
}
