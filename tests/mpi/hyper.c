/* Hyper-reduction: sample selection, the gappy-POD data, the HR file and the GNAT ROM,
 * at 1, 2 and 4 ranks with an uneven partition (the last rank empty at 4 ranks).
 * Independent checks:
 *  - DEIM interpolates exactly at the sampled rows: P^T Phi (P^T Phi)^{-1} P^T f = P^T f,
 *    and GNAT's (P^T Phi)^+ is a left inverse of P^T Phi;
 *  - every method's samples (qdeim-e included; its values against scipy:
 *    tests/python/test_hyper_oversampling.py) are identical on the uneven partition, the
 *    even partition and a serial run on rank 0 (MPI_COMM_SELF) — so identical at 1, 2 and
 *    4 ranks — and an exact tie in the first DEIM pick goes to the lowest row;
 *  - deim-os (the authors' oversampled DEIM) equals an independent serial re-computation
 *    of its rule (plain loops and LAPACKE_dgelsd on the full matrix), at every rank count;
 *  - GNAT with every row sampled and a full orthonormal residual basis equals LSPG without
 *    hyper-reduction (to 1e-10);
 *  - with a POD residual basis and few samples the HR ROM's error is close to the ROM's;
 *  - the HR file round trip is exact and gives the same ROM trajectory bit for bit;
 *  - bad input: ns < nb (deim-os included) and ns > N -> ROM_ERR_ARG, NaN basis ->
 *    ROM_ERR_NOT_FINITE, a file of another kind -> ROM_ERR_FORMAT, a sample mesh
 *    missing -> ROM_ERR_STATE. */
#include "nl_host.h"

#define GN 40
#define STEPS 40
static const double DT = 0.01;
static const double MU[2] = {0.01, 0.5};

/* A distributed matrix with this host's partition (or `rows` local rows at offset `off`)
 * from a full N x n matrix. */
static rom_dmat *dmat_from_full(rom_ctx *ctx, rom_int N, rom_int n, const double *A, rom_int L,
                                rom_int off) {
  rom_dmat *M = NULL;
  CHECK_OK(ctx, rom_dmat_create(ctx, L, n, &M));
  for (rom_int j = 0; j < n; ++j)
    for (rom_int l = 0; l < L; ++l)
      rom_dmat_data(M)[l + j * rom_dmat_ld(M)] = A[off + l + j * N];
  return M;
}

static rom_int offset_of(rom_ctx *ctx, rom_int L) {
  rom_int off = 0;
  MPI_Exscan(&L, &off, 1, MPI_INT64_T, MPI_SUM, rom_ctx_comm(ctx));
  return rom_ctx_rank(ctx) == 0 ? 0 : off;
}

/* The test matrix of the selection checks: smooth columns with an exact mirror symmetry
 * in column 0 (rows i and N-1-i hold the same bits: a tie for DEIM's first pick) plus
 * pseudo-random columns. */
static void selection_matrix(rom_int N, rom_int nb, double *U) {
  for (rom_int i = 0; i < N; ++i) {
    rom_int m = i < N - 1 - i ? i : N - 1 - i;
    double x = (double)(m + 1) / (double)(N + 1);
    U[i] = sin(3.14159265358979323846 * x);
    for (rom_int j = 1; j < nb; ++j)
      U[i + j * N] =
          sin(3.14159265358979323846 * (double)(j + 1) * (double)(i + 1) / (double)(N + 1)) +
          0.3 * nlh_hash((uint64_t)(i * 131 + j));
  }
}

/* The deim-os rule of the authors' code (github.com/LLNL/NM-ROM, function DEIM), serial
 * and written independently of librom/hyper/deim_os.c: with div = ns / nb, mod = ns % nb,
 * vector 0 gets the div + mod rows of largest |u_0|, vector l > 0 the div rows of largest
 * |u_l - U_l c| (c: minimum-norm least squares on the rows picked so far, dgelsd); ties to
 * the lowest row. U: N x nb, column-major. */
static void deim_os_reference(rom_int N, rom_int nb, rom_int ns, const double *U,
                              rom_int *samples) {
  const rom_int div = ns / nb, mod = ns % nb;
  double *A = malloc(sizeof(double) * (size_t)(ns * nb)), *b = malloc(sizeof(double) * (size_t)ns);
  double *r = malloc(sizeof(double) * (size_t)N), c[64] = {0};
  char *used = calloc((size_t)N, 1);
  rom_int s = 0;
  for (rom_int l = 0; l < nb; ++l) {
    if (l > 0) {
      lapack_int rank = 0;
      for (rom_int j = 0; j < l; ++j)
        for (rom_int a = 0; a < s; ++a)
          A[a + j * s] = U[samples[a] + j * N];
      for (rom_int a = 0; a < s; ++a)
        b[a] = U[samples[a] + l * N];
      double sv[64];
      LAPACKE_dgelsd(LAPACK_COL_MAJOR, (lapack_int)s, (lapack_int)l, 1, A, (lapack_int)s, b,
                     (lapack_int)s, sv, -1.0, &rank);
      for (rom_int j = 0; j < l; ++j)
        c[j] = b[j];
    }
    for (rom_int i = 0; i < N; ++i) {
      double v = U[i + l * N];
      for (rom_int j = 0; j < l; ++j)
        v -= U[i + j * N] * c[j];
      r[i] = fabs(v);
    }
    for (rom_int t = 0; t < (l == 0 ? div + mod : div); ++t) {
      rom_int best = -1;
      for (rom_int i = 0; i < N; ++i)
        if (!used[i] && (best < 0 || r[i] > r[best])) best = i;
      used[best] = 1;
      samples[s++] = best;
    }
  }
  free(A);
  free(b);
  free(r);
  free(used);
}

static void selection_checks(rom_ctx *ctx) {
  const rom_int N = 61, nb = 8;
  double *U = malloc(sizeof(double) * N * nb);
  selection_matrix(N, nb, U);
  const int P = rom_ctx_size(ctx), me = rom_ctx_rank(ctx);
  rom_int Lu = test_uneven_rows(N, me, P), Le = rom_dmat_partition_even(N, me, P);
  rom_dmat *Au = dmat_from_full(ctx, N, nb, U, Lu, offset_of(ctx, Lu));
  rom_dmat *Ae = dmat_from_full(ctx, N, nb, U, Le, offset_of(ctx, Le));
  /* The serial reference on rank 0. */
  rom_ctx *self = NULL;
  rom_dmat *As = NULL;
  if (me == 0) {
    CHECK_OK(ctx, rom_ctx_create(MPI_COMM_SELF, &self));
    As = dmat_from_full(self, N, nb, U, N, 0);
  }
  const rom_hyper_method methods[7] = {ROM_HYPER_DEIM,   ROM_HYPER_QDEIM,   ROM_HYPER_GNAT,
                                       ROM_HYPER_SOPT,   ROM_HYPER_DEIM_OS, ROM_HYPER_DEIM_OS,
                                       ROM_HYPER_QDEIM_E};
  const rom_int nss[7] = {nb, nb, 13, 13, 13, 19, 13};
  for (int mth = 0; mth < 7; ++mth) {
    rom_int su[32], se[32], ss[32];
    const rom_int ns = nss[mth];
    const char *name = rom_hyper_method_name(methods[mth]);
    CHECK_OK(ctx, rom_hyper_select(Au, methods[mth], nb, ns, su));
    CHECK_OK(ctx, rom_hyper_select(Ae, methods[mth], nb, ns, se));
    int same = memcmp(su, se, sizeof(rom_int) * ns) == 0;
    if (me == 0) {
      CHECK_OK(self, rom_hyper_select(As, methods[mth], nb, ns, ss));
      same = same && memcmp(su, ss, sizeof(rom_int) * ns) == 0;
    }
    int all = 0;
    MPI_Allreduce(&same, &all, 1, MPI_INT, MPI_MIN, rom_ctx_comm(ctx));
    CHECK(all, "%s: samples identical on the uneven, even and serial partitions", name);
    int distinct = 1;
    for (rom_int a = 0; a < ns; ++a) {
      distinct = distinct && su[a] >= 0 && su[a] < N;
      for (rom_int b = 0; b < a; ++b)
        distinct = distinct && su[a] != su[b];
    }
    CHECK(distinct, "%s: %lld distinct rows in range", name, (long long)ns);
    if (methods[mth] == ROM_HYPER_DEIM_OS) {
      /* Against the independent serial rule (every rank computes it on the full U). */
      rom_int sr[32];
      deim_os_reference(N, nb, ns, U, sr);
      CHECK(memcmp(su, sr, sizeof(rom_int) * ns) == 0,
            "deim-os, ns = %lld: samples equal the serial re-computation of the rule",
            (long long)ns);
      /* The first vector gets div + mod rows: they are its rows of largest |u_0|. */
      rom_int first = ns / nb + ns % nb, ok = 1;
      for (rom_int a = 0; a < first; ++a)
        for (rom_int i = 0; i < N; ++i) {
          int picked_before = 0;
          for (rom_int b = 0; b <= a; ++b)
            picked_before = picked_before || su[b] == i;
          if (!picked_before && fabs(U[i]) > fabs(U[su[a]])) ok = 0;
        }
      CHECK(ok, "deim-os, ns = %lld: the first %lld rows are the largest of |u_0|", (long long)ns,
            (long long)first);
    }
    if (me == 0) {
      printf("hyper: %-5s samples:", name);
      for (rom_int a = 0; a < ns; ++a)
        printf(" %lld", (long long)su[a]);
      printf("\n");
    }
    if (methods[mth] == ROM_HYPER_DEIM) {
      /* Column 0 peaks at rows (N-1)/2 exactly once for odd N... use the tie below. */
      rom_int best = 0;
      for (rom_int i = 1; i < N; ++i)
        if (fabs(U[i]) > fabs(U[best])) best = i;
      CHECK(su[0] == best, "DEIM's first pick is the lowest row of largest |u_1| (%lld vs %lld)",
            (long long)su[0], (long long)best);
    }
  }
  /* S-OPT from initial samples (rom_hyper_select_from): the given rows come first, the
   * result is the same on every partition, and extending S-OPT's own first 9 picks to 13
   * gives S-OPT's 13 (the greedy continues as if it had picked them). */
  {
    const rom_int init[3] = {5, 40, 22};
    rom_int su[16], se[16], ss[16], full[16];
    CHECK_OK(ctx, rom_hyper_select_from(Au, ROM_HYPER_SOPT, nb, 13, 3, init, su));
    CHECK_OK(ctx, rom_hyper_select_from(Ae, ROM_HYPER_SOPT, nb, 13, 3, init, se));
    int same = memcmp(su, se, sizeof(rom_int) * 13) == 0;
    if (me == 0) {
      CHECK_OK(self, rom_hyper_select_from(As, ROM_HYPER_SOPT, nb, 13, 3, init, ss));
      same = same && memcmp(su, ss, sizeof(rom_int) * 13) == 0;
    }
    int all = 0;
    MPI_Allreduce(&same, &all, 1, MPI_INT, MPI_MIN, rom_ctx_comm(ctx));
    CHECK(all, "sopt with initial samples: identical on the uneven, even and serial partitions");
    CHECK(su[0] == 5 && su[1] == 40 && su[2] == 22, "sopt: the initial samples come first");
    CHECK_OK(ctx, rom_hyper_select(Au, ROM_HYPER_SOPT, nb, 13, full));
    CHECK_OK(ctx, rom_hyper_select_from(Au, ROM_HYPER_SOPT, nb, 13, 9, full, se));
    CHECK(memcmp(full, se, sizeof(rom_int) * 13) == 0,
          "sopt from its own first 9 picks = sopt (13 samples)");
    CHECK(rom_hyper_select_from(Au, ROM_HYPER_GNAT, nb, 13, 3, init, se) == ROM_ERR_ARG,
          "gnat refuses initial samples");
    const rom_int dup[2] = {7, 7}, out[1] = {61};
    CHECK(rom_hyper_select_from(Au, ROM_HYPER_SOPT, nb, 13, 2, dup, se) == ROM_ERR_ARG,
          "a repeated initial sample is ROM_ERR_ARG");
    CHECK(rom_hyper_select_from(Au, ROM_HYPER_SOPT, nb, 13, 1, out, se) == ROM_ERR_ARG,
          "an initial sample out of range is ROM_ERR_ARG");
    const rom_int mine[1] = {(rom_int)me};
    CHECK(rom_hyper_select_from(Au, ROM_HYPER_SOPT, nb, 13, 1, mine, se) ==
              (P > 1 ? ROM_ERR_ARG : ROM_OK),
          "initial samples that differ between ranks are ROM_ERR_ARG on every rank");
  }
  /* An exact tie: N even, column 0 symmetric: the two middle rows hold the same value. */
  {
    const rom_int N2 = 40;
    double *U2 = malloc(sizeof(double) * N2 * 2);
    selection_matrix(N2, 2, U2);
    CHECK(U2[19] == U2[20], "the test matrix has an exact tie");
    rom_int L2 = test_uneven_rows(N2, me, P);
    rom_dmat *A2 = dmat_from_full(ctx, N2, 2, U2, L2, offset_of(ctx, L2));
    rom_int s2[2];
    CHECK_OK(ctx, rom_hyper_select(A2, ROM_HYPER_DEIM, 2, 2, s2));
    CHECK(s2[0] == 19, "a tie goes to the lowest global row (picked %lld)", (long long)s2[0]);
    rom_dmat_destroy(&A2);
    free(U2);
  }
  /* DEIM interpolates exactly at the samples; GNAT's pinv is a left inverse. */
  for (int mth = 0; mth < 7; ++mth) {
    rom_hyper_options o = rom_hyper_options_default();
    o.method = methods[mth];
    o.num_samples = nss[mth];
    rom_hyper *hr = NULL;
    CHECK_OK(ctx, rom_hyper_create(NULL, NULL, NULL, Au, &o, &hr));
    if (!hr) continue;
    const rom_int ns = rom_hyper_num_samples(hr);
    const rom_int *rows = rom_hyper_sample_rows(hr);
    const double *Z = rom_hyper_residual_basis_rows(hr), *Pi = rom_hyper_gappy_pinv(hr);
    double worst = 0.0, zdiff = 0.0;
    for (rom_int a = 0; a < ns; ++a)
      for (rom_int j = 0; j < nb; ++j)
        zdiff = fmax(zdiff, fabs(Z[a + j * ns] - U[rows[a] + j * N]));
    CHECK(zdiff == 0.0, "%s: residual_basis_rows are U's rows at the samples",
          rom_hyper_method_name(methods[mth]));
    if (ns == nb) {
      /* f arbitrary: P^T Phi (P^T Phi)^{-1} P^T f = P^T f. */
      double fs[16], c[16];
      for (rom_int a = 0; a < ns; ++a)
        fs[a] = nlh_hash(1000 + (uint64_t)rows[a]);
      for (rom_int j = 0; j < nb; ++j) {
        c[j] = 0.0;
        for (rom_int a = 0; a < ns; ++a)
          c[j] += Pi[j + a * nb] * fs[a];
      }
      for (rom_int a = 0; a < ns; ++a) {
        double v = 0.0;
        for (rom_int j = 0; j < nb; ++j)
          v += Z[a + j * ns] * c[j];
        worst = fmax(worst, fabs(v - fs[a]));
      }
      CHECK(worst < 1e-12, "%s interpolates exactly at the sampled rows (%.2e)",
            rom_hyper_method_name(methods[mth]), worst);
    } else {
      for (rom_int i = 0; i < nb; ++i)
        for (rom_int j = 0; j < nb; ++j) {
          double v = 0.0;
          for (rom_int a = 0; a < ns; ++a)
            v += Pi[i + a * nb] * Z[a + j * ns];
          worst = fmax(worst, fabs(v - (i == j)));
        }
      CHECK(worst < 1e-12, "%s: (P^T Phi)^+ P^T Phi = I (%.2e)",
            rom_hyper_method_name(methods[mth]), worst);
    }
    rom_hyper_destroy(&hr);
  }
  /* Bad input. */
  {
    rom_int s[64];
    CHECK_ERR(ctx, rom_hyper_select(Au, ROM_HYPER_GNAT, nb, nb - 1, s), ROM_ERR_ARG);
    CHECK_ERR(ctx, rom_hyper_select(Au, ROM_HYPER_SOPT, 4, N + 1, s), ROM_ERR_ARG);
    CHECK_ERR(ctx, rom_hyper_select(Au, ROM_HYPER_DEIM, nb, nb + 1, s), ROM_ERR_ARG);
    CHECK_ERR(ctx, rom_hyper_select(Au, ROM_HYPER_DEIM, nb + 1, nb + 1, s), ROM_ERR_ARG);
    CHECK_ERR(ctx, rom_hyper_select(Au, ROM_HYPER_DEIM_OS, nb, nb - 1, s), ROM_ERR_ARG);
    CHECK_ERR(ctx, rom_hyper_select(Au, ROM_HYPER_DEIM_OS, nb, N + 1, s), ROM_ERR_ARG);
    {
      rom_hyper_options od = rom_hyper_options_default();
      od.method = ROM_HYPER_DEIM_OS;
      od.num_samples = nb - 1;
      rom_hyper *hd = NULL;
      CHECK_ERR(ctx, rom_hyper_create(NULL, NULL, NULL, Au, &od, &hd), ROM_ERR_ARG);
    }
    {
      rom_hyper_method m = ROM_HYPER_DEIM;
      CHECK(rom_hyper_method_from_name("deim-os", &m) == ROM_OK && m == ROM_HYPER_DEIM_OS &&
                !strcmp(rom_hyper_method_name(ROM_HYPER_DEIM_OS), "deim-os"),
            "\"deim-os\" <-> ROM_HYPER_DEIM_OS");
    }
    rom_hyper_options o = rom_hyper_options_default();
    o.num_samples = nb - 1;
    rom_hyper *hr = NULL;
    CHECK_ERR(ctx, rom_hyper_create(NULL, NULL, NULL, Au, &o, &hr), ROM_ERR_ARG);
    double *Un = malloc(sizeof(double) * N * nb);
    memcpy(Un, U, sizeof(double) * N * nb);
    Un[17 + 3 * N] = NAN;
    rom_dmat *An = dmat_from_full(ctx, N, nb, Un, Lu, offset_of(ctx, Lu));
    CHECK_ERR(ctx, rom_hyper_select(An, ROM_HYPER_QDEIM, nb, nb, s), ROM_ERR_NOT_FINITE);
    rom_dmat_destroy(&An);
    /* Dependent columns: column 1 = column 0. */
    for (rom_int i = 0; i < N; ++i)
      Un[i + N] = Un[i];
    Un[17 + 3 * N] = 0.5;
    An = dmat_from_full(ctx, N, nb, Un, Lu, offset_of(ctx, Lu));
    CHECK_ERR(ctx, rom_hyper_select(An, ROM_HYPER_DEIM, nb, nb, s), ROM_ERR_SINGULAR);
    CHECK_ERR(ctx, rom_hyper_select(An, ROM_HYPER_QDEIM, nb, nb, s), ROM_ERR_SINGULAR);
    rom_dmat_destroy(&An);
    free(Un);
  }
  rom_dmat_destroy(&Au);
  rom_dmat_destroy(&Ae);
  rom_dmat_destroy(&As);
  if (self) {
    CHECK(rom_ctx_bytes_in_use(self) == 0, "serial context leak-free");
    rom_ctx_destroy(&self);
  }
  free(U);
}

static double space_time_error(const nlh *H, const rom_basis *b, rom_nlrom *rom,
                               const double *traj_q, rom_int k, const double *fom, rom_int steps) {
  /* sqrt(sum_n ||e_n||^2 / sum_n ||u_n||^2) (docs/problems.md's "avg"), via rom_nlrom_lift. */
  (void)b;
  double e = 0.0, f = 0.0, *u = malloc(sizeof(double) * (size_t)(H->L + 1));
  for (rom_int n = 0; n <= steps; ++n) {
    rom_nlrom_lift(rom, traj_q + n * k, u);
    for (rom_int l = 0; l < H->L; ++l) {
      double d = u[l] - fom[n * H->N + H->off + l];
      e += d * d;
      f += fom[n * H->N + H->off + l] * fom[n * H->N + H->off + l];
    }
  }
  double loc[2] = {e, f}, glob[2];
  MPI_Allreduce(loc, glob, 2, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(H->ctx));
  free(u);
  return sqrt(glob[0] / glob[1]);
}

static void all_rows_equals_no_hr(nlh *H) {
  rom_ctx *ctx = H->ctx;
  const rom_int N = H->N, k = 5;
  double *Q = malloc(sizeof(double) * N * k), *R = malloc(sizeof(double) * N * N);
  double *u0 = malloc(sizeof(double) * N);
  double *t1 = malloc(sizeof(double) * k * (STEPS + 1)),
         *t2 = malloc(sizeof(double) * k * (STEPS + 1));
  nlh_random_orthonormal(N, k, 11, Q);
  nlh_random_orthonormal(N, N, 12, R);
  nlh_initial(H, 1.0, u0);
  rom_basis *b = nlh_basis(H, Q, k, u0);
  rom_dmat *Rm = dmat_from_full(ctx, N, N, R, H->L, H->off);
  rom_nlrom_options o = rom_nlrom_options_default();
  o.tolerance = 1e-12;
  o.max_iterations = 40;
  rom_nlrom *plain = NULL;
  CHECK_OK(ctx, rom_nlrom_create(H->model, b, NULL, NULL, &o, &plain));
  CHECK_OK(ctx, rom_nlrom_run(plain, MU, 0.0, DT, STEPS, NULL, t1, NULL));
  const rom_hyper_method methods[3] = {ROM_HYPER_GNAT, ROM_HYPER_DEIM, ROM_HYPER_SOPT};
  for (int mth = 0; mth < 3; ++mth) {
    rom_hyper_options ho = rom_hyper_options_default();
    ho.method = methods[mth];
    ho.num_samples = N;
    rom_hyper *hr = NULL;
    rom_nlrom *rom = NULL;
    CHECK_OK(ctx, rom_hyper_create(H->model, b, NULL, Rm, &ho, &hr));
    CHECK(rom_hyper_num_needed(hr) == N && rom_hyper_state_dim(hr) == k, "all rows needed");
    CHECK_OK(ctx, rom_nlrom_create(H->model, b, NULL, hr, &o, &rom));
    CHECK_OK(ctx, rom_nlrom_run(rom, MU, 0.0, DT, STEPS, NULL, t2, NULL));
    double worst = 0.0;
    for (rom_int i = 0; i < k * (STEPS + 1); ++i)
      worst = fmax(worst, fabs(t1[i] - t2[i]));
    CHECK(worst < 1e-10, "%s with all %lld rows sampled equals LSPG without HR (%.2e)",
          rom_hyper_method_name(methods[mth]), (long long)N, worst);
    rom_nlrom_destroy(&rom);
    /* Galerkin with HR is not implemented: says so. */
    rom_nlrom_options og = o;
    og.projection = ROM_NLROM_GALERKIN;
    CHECK_ERR(ctx, rom_nlrom_create(H->model, b, NULL, hr, &og, &rom), ROM_ERR_UNSUPPORTED);
    rom_hyper_destroy(&hr);
  }
  rom_nlrom_destroy(&plain);
  rom_dmat_destroy(&Rm);
  rom_basis_destroy(&b);
  free(Q);
  free(R);
  free(u0);
  free(t1);
  free(t2);
}

/* POD bases from FOM runs at a = 0.9, 1.1; test at a = 1.0 (the P1 protocol in miniature). */
/* The sampled callbacks' contract (include/romkit/model.h): the one-time sample-mesh setup
 * gets hr's rows and mesh once per ROM creation; a sampled velocity or Jacobian that leaves
 * an output unwritten is ROM_ERR_CALLBACK naming it (never a silent answer); a model without
 * the sampled Jacobian is refused at creation (ROM_ERR_STATE), not at the first step. */
static int count_setup(void *user, rom_int nrows, const rom_int *rows, rom_int nneeded,
                       const rom_int *needed) {
  nlh *H = user;
  (void)rows;
  (void)needed;
  H->setup_calls++;
  H->setup_nrows = nrows;
  H->setup_nneeded = nneeded;
  return H->setup_calls > 1 ? 7 : 0; /* the second call fails: agreed over the ranks */
}

static void sampled_callback_contract(nlh *H, rom_basis *b, rom_hyper *hr,
                                      const rom_nlrom_options *o, rom_int k) {
  rom_ctx *ctx = H->ctx;
  rom_nlrom *rom = NULL;
  double *traj = malloc(sizeof(double) * (size_t)(k * 4));
  H->setup_calls = 0;
  CHECK_OK(ctx, rom_model_set_sample_mesh_setup(H->model, count_setup));
  CHECK(rom_model_callbacks(H->model) & ROM_MODEL_HAS_SAMPLE_MESH_SETUP, "setup flag");
  CHECK_OK(ctx, rom_nlrom_create(H->model, b, NULL, hr, o, &rom));
  CHECK(H->setup_calls == 1 && H->setup_nrows == rom_hyper_num_samples(hr) &&
            H->setup_nneeded == rom_hyper_num_needed(hr),
        "setup called once with the sample mesh: %d calls, %lld rows, %lld needed", H->setup_calls,
        (long long)H->setup_nrows, (long long)H->setup_nneeded);
  CHECK_OK(ctx, rom_nlrom_run(rom, MU, 0.0, DT, 3, NULL, traj, NULL));
  CHECK(H->setup_calls == 1, "no setup call while stepping (%d)", H->setup_calls);
  for (int mode = 1; mode <= 2; ++mode) {
    H->skip_write = mode;
    CHECK_ERR(ctx, rom_nlrom_run(rom, MU, 0.0, DT, 3, NULL, traj, NULL), ROM_ERR_CALLBACK);
    const char *msg = rom_ctx_last_error(ctx);
    CHECK(strstr(msg, mode == 1 ? "sampled-velocity" : "sampled-Jacobian") &&
              strstr(msg, "unwritten") && strstr(msg, mode == 1 ? "F_rows[" : "Y[row"),
          "the unwritten sampled output is named: %s", msg);
    H->skip_write = 0;
  }
  rom_nlrom_destroy(&rom);
  /* A failing setup fails the creation on every rank. */
  CHECK_ERR(ctx, rom_nlrom_create(H->model, b, NULL, hr, o, &rom), ROM_ERR_CALLBACK);
  CHECK(rom == NULL && strstr(rom_ctx_last_error(ctx), "setup"), "setup failure: %s",
        rom_ctx_last_error(ctx));
  CHECK_OK(ctx, rom_model_set_sample_mesh_setup(H->model, NULL));
  /* No sampled Jacobian: refused at creation. */
  CHECK_OK(ctx,
           rom_model_set_sampled_velocity(H->model, nlh_cb_stencil, nlh_cb_velocity_sampled, NULL));
  CHECK_ERR(ctx, rom_nlrom_create(H->model, b, NULL, hr, o, &rom), ROM_ERR_STATE);
  CHECK(rom == NULL && strstr(rom_ctx_last_error(ctx), "sampled Jacobian"),
        "missing sampled Jacobian named: %s", rom_ctx_last_error(ctx));
  CHECK_OK(ctx, rom_model_set_sampled_velocity(H->model, nlh_cb_stencil, nlh_cb_velocity_sampled,
                                               nlh_cb_jacobian_sampled));
  free(traj);
}

static void subsampled_hr(nlh *H) {
  rom_ctx *ctx = H->ctx;
  const rom_int N = H->N, k = 6, nb = 14, ns = 22;
  const double train[2] = {0.9, 1.1};
  double *fom = malloc(sizeof(double) * N * (STEPS + 1) * 2),
         *ftest = malloc(sizeof(double) * N * (STEPS + 1));
  double *u0 = malloc(sizeof(double) * N), *traj = malloc(sizeof(double) * k * (STEPS + 1));
  rom_dmat *S = NULL, *Sr = NULL;
  rom_basis *b = NULL, *rb = NULL;
  CHECK_OK(ctx, rom_dmat_create(ctx, H->L, 2 * STEPS, &S));
  CHECK_OK(ctx, rom_dmat_create(ctx, H->L, 2 * (STEPS + 1), &Sr));
  for (int r = 0; r < 2; ++r) {
    double *f = fom + r * N * (STEPS + 1);
    nlh_initial(H, train[r], u0);
    CHECK(nlh_fom(H, MU, u0, DT, STEPS, 0, f), "training FOM");
    for (rom_int n = 0; n <= STEPS; ++n)
      for (rom_int l = 0; l < H->L; ++l) {
        if (n > 0)
          rom_dmat_data(S)[l + (r * STEPS + n - 1) * rom_dmat_ld(S)] =
              f[n * N + H->off + l] - f[H->off + l];
        rom_dmat_data(Sr)[l + (r * (STEPS + 1) + n) * rom_dmat_ld(Sr)] = f[n * N + H->off + l];
      }
  }
  nlh_initial(H, 1.0, u0);
  CHECK(nlh_fom(H, MU, u0, DT, STEPS, 0, ftest), "test FOM");
  rom_pod_options po = rom_pod_options_default();
  po.truncation = ROM_POD_TRUNCATE_RANK;
  po.rank = k;
  CHECK_OK(ctx, rom_pod_compute(S, &po, &b));
  po.rank = nb;
  CHECK_OK(ctx, rom_pod_compute(Sr, &po, &rb));
  rom_nlrom_options o = rom_nlrom_options_default(); /* the paper's: 4 iterations, 1e-8 */
  rom_nlrom *plain = NULL;
  rom_nlrom_stats st;
  CHECK_OK(ctx, rom_nlrom_create(H->model, b, u0 + H->off, NULL, &o, &plain));
  CHECK_OK(ctx, rom_nlrom_run(plain, MU, 0.0, DT, STEPS, NULL, traj, &st));
  double e_plain = space_time_error(H, b, plain, traj, k, ftest, STEPS);
  double t_plain = st.seconds / (double)(st.iterations + st.steps);
  if (rom_ctx_rank(ctx) == 0)
    printf("hyper: N = %lld, k = %lld: LSPG avg error %.4f %%, %.2f us per residual evaluation "
           "(%lld iterations)\n",
           (long long)N, (long long)k, 100 * e_plain, 1e6 * t_plain, (long long)st.iterations);
  const rom_hyper_method methods[4] = {ROM_HYPER_GNAT, ROM_HYPER_SOPT, ROM_HYPER_DEIM,
                                       ROM_HYPER_QDEIM};
  char path[512];
  test_path(ctx, "hyper_roundtrip", path, sizeof path);
  for (int mth = 0; mth < 4; ++mth) {
    rom_hyper_options ho = rom_hyper_options_default();
    ho.method = methods[mth];
    ho.residual_dim = nb;
    ho.num_samples = (methods[mth] == ROM_HYPER_GNAT || methods[mth] == ROM_HYPER_SOPT) ? ns : nb;
    rom_hyper *hr = NULL, *back = NULL;
    rom_nlrom *rom = NULL, *rom2 = NULL;
    CHECK_OK(ctx, rom_hyper_create(H->model, b, u0 + H->off, rom_basis_vectors(rb), &ho, &hr));
    if (!hr) continue;
    CHECK_OK(ctx, rom_nlrom_create(H->model, b, u0 + H->off, hr, &o, &rom));
    CHECK_OK(ctx, rom_nlrom_run(rom, MU, 0.0, DT, STEPS, NULL, traj, &st));
    double e_hr = space_time_error(H, b, rom, traj, k, ftest, STEPS);
    double t_hr = st.seconds / (double)(st.iterations + st.steps);
    CHECK(e_hr < 2.0 * e_plain + 0.005,
          "%s HR (nb %lld, ns %lld): avg error %.4f %% vs %.4f %% without",
          rom_hyper_method_name(methods[mth]), (long long)nb, (long long)ho.num_samples, 100 * e_hr,
          100 * e_plain);
    if (rom_ctx_rank(ctx) == 0)
      printf("hyper: %-5s nb = %lld, ns = %lld, nneeded = %lld: avg error %.4f %%, %.2f us per "
             "residual evaluation (%lld iterations)\n",
             rom_hyper_method_name(methods[mth]), (long long)nb, (long long)ho.num_samples,
             (long long)rom_hyper_num_needed(hr), 100 * e_hr, 1e6 * t_hr, (long long)st.iterations);
    if (mth == 0) sampled_callback_contract(H, b, hr, &o, k);
    /* Round trip through the file: exact, and the same trajectory bit for bit. */
    if (mth == 0) {
      double *traj2 = malloc(sizeof(double) * k * (STEPS + 1));
      CHECK_OK(ctx, rom_hyper_write(hr, path, 1));
      CHECK_ERR(ctx, rom_hyper_write(hr, path, 0), ROM_ERR_EXISTS);
      CHECK_OK(ctx, rom_hyper_read(ctx, path, &back));
      if (back) {
        const rom_int nn = rom_hyper_num_needed(hr);
        int same = rom_hyper_num_samples(back) == ho.num_samples &&
                   rom_hyper_residual_dim(back) == nb && rom_hyper_state_dim(back) == k &&
                   rom_hyper_num_needed(back) == nn && rom_hyper_global_rows(back) == N &&
                   rom_hyper_get_method(back) == methods[mth];
        same = same && !memcmp(rom_hyper_sample_rows(back), rom_hyper_sample_rows(hr),
                               sizeof(rom_int) * ho.num_samples);
        same = same && !memcmp(rom_hyper_needed_rows(back), rom_hyper_needed_rows(hr),
                               sizeof(rom_int) * nn);
        same = same && !memcmp(rom_hyper_state_basis_rows(back), rom_hyper_state_basis_rows(hr),
                               sizeof(double) * nn * k);
        same = same && !memcmp(rom_hyper_reference_rows(back), rom_hyper_reference_rows(hr),
                               sizeof(double) * nn);
        same =
            same && !memcmp(rom_hyper_residual_basis_rows(back), rom_hyper_residual_basis_rows(hr),
                            sizeof(double) * nb * ho.num_samples);
        same = same && !memcmp(rom_hyper_gappy_pinv(back), rom_hyper_gappy_pinv(hr),
                               sizeof(double) * nb * ho.num_samples);
        CHECK(same, "HR file round trip is exact");
        /* Online from the file alone: no basis. */
        CHECK_OK(ctx, rom_nlrom_create(H->model, NULL, NULL, back, &o, &rom2));
        CHECK_OK(ctx, rom_nlrom_run(rom2, MU, 0.0, DT, STEPS, NULL, traj2, NULL));
        CHECK(!memcmp(traj, traj2, sizeof(double) * k * (STEPS + 1)),
              "the ROM from the file (no basis) gives the same trajectory bit for bit");
        double ul[1];
        CHECK_ERR(ctx, rom_nlrom_lift(rom2, traj2, ul), ROM_ERR_STATE);
      }
      free(traj2);
      rom_nlrom_destroy(&rom2);
      rom_hyper_destroy(&back);
      /* The model-independent part (what `romkit hyper` writes), completed by attach. */
      rom_hyper *part = NULL;
      CHECK_OK(ctx, rom_hyper_create(NULL, NULL, NULL, rom_basis_vectors(rb), &ho, &part));
      CHECK_OK(ctx, rom_hyper_write(part, path, 1));
      rom_hyper_destroy(&part);
      CHECK_OK(ctx, rom_hyper_read(ctx, path, &part));
      CHECK(part && rom_hyper_state_dim(part) == 0, "model-independent file has no state rows");
      CHECK_ERR(ctx, rom_nlrom_create(H->model, b, NULL, part, &o, &rom2), ROM_ERR_STATE);
      CHECK_OK(ctx, rom_hyper_attach(part, H->model, b, u0 + H->off));
      CHECK_OK(ctx, rom_nlrom_create(H->model, b, NULL, part, &o, &rom2));
      CHECK_OK(ctx, rom_nlrom_run(rom2, MU, 0.0, DT, STEPS, NULL,
                                  traj2 = malloc(sizeof(double) * k * (STEPS + 1)), NULL));
      CHECK(!memcmp(traj, traj2, sizeof(double) * k * (STEPS + 1)),
            "attached HR gives the same trajectory");
      free(traj2);
      rom_nlrom_destroy(&rom2);
      rom_hyper_destroy(&part);
      /* A file of another kind. */
      CHECK_OK(ctx, rom_basis_write(b, path, 1));
      CHECK_ERR(ctx, rom_hyper_read(ctx, path, &part), ROM_ERR_FORMAT);
    }
    rom_nlrom_destroy(&rom);
    rom_hyper_destroy(&hr);
  }
  rom_nlrom_destroy(&plain);
  rom_basis_destroy(&b);
  rom_basis_destroy(&rb);
  rom_dmat_destroy(&S);
  rom_dmat_destroy(&Sr);
  free(fom);
  free(ftest);
  free(u0);
  free(traj);
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  selection_checks(ctx);
  nlh H;
  nlh_create(ctx, GN, &H);
  all_rows_equals_no_hr(&H);
  subsampled_hr(&H);
  nlh_destroy(&H);
  return test_finish(&ctx);
}
