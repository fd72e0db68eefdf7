/* HDF5 file of a Galerkin reduced model (kind "affine_rom", docs/file-format.md).
 *
 * The file holds only the reduced matrices, so the online stage needs neither the
 * basis nor the FOM. Layout (row-major, as h5py shows it):
 *   /operators                {Qa, k, k}  operators[q][i][j] = (A_q^r)_{ij}
 *   /operator_reference_terms {Qa, k}     g_q^r = Phi^T A_q u_ref (zero without reference)
 *   /rhs                      {Qf, k}     f_q^r = Phi^T f_q (absent when Qf = 0)
 *   /mass                     {k, k}      M^r = Phi^T M Phi
 *   /mass_reference           {k}         m^r = Phi^T M u_ref
 * root attributes dim = k, operator_terms = Qa, rhs_terms = Qf, symmetric (0/1).
 * Outputs (affine_outputs.c), only when num_outputs > 0 (files without them stay valid):
 *   /outputs                  {no, k}     row o = l^r_o = Phi^T l_o
 *   /output_offsets           {no}        l_0,o = l_o^T u_ref
 * root attributes num_outputs = no (always written; missing = 0) and output_names (the
 * names joined by ',').
 * Error estimator (affine_estimator.c), only when the ROM has one (older files have none and
 * read as a ROM without estimator):
 *   root attributes estimator = 1, estimator_coercivity ("min_theta" | "callback" | "scm"),
 *   estimator_rank = npsi;
 *   /estimator_theta_bar      {Qa}            X = A(theta_bar) (>= 0; 0: a term outside X)
 *   /estimator_coefficients   {nterms, npsi}  row t: the coefficients of Riesz representer t
 *                                             in the X-orthonormal basis (absent if npsi = 0)
 * with "scm" (affine_scm.c): attributes scm_points = K, scm_ntrain, scm_m_alpha, scm_m_plus,
 * scm_eps, scm_gap and datasets /scm_box {Qa, 2}, /scm_theta {K, Qa}, /scm_alpha {K},
 * /scm_y {K, Qa}, /scm_train {ntrain, Qa};
 * and per output o with an output bound: attributes output_dual_<o>_dim = kd,
 * output_dual_<o>_rank, datasets output_dual_<o>_operators {Qa, kd, kd} ([q][j][i] =
 * (Z^T A_q^T Z)_{ij}), _rhs {kd} (-Z^T l), _reference_terms {Qa, kd} (Z^T A_q u_ref),
 * _rhs_terms {Qf, kd} (Z^T f_q), _cross {Qa, k, kd} ([q][j][i] = (Z^T A_q phi_j)_i),
 * _coefficients {1 + Qa kd, rank} (the dual residual's Riesz coefficients).
 * In memory the k x k matrices are column-major, so they are transposed on the way. */
#include "core/check.h"
#include "core/values.h"
#include "io/h5.h"
#include "affine/affine_rom_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define AFFINE_KIND "affine_rom"

/* dst (row-major k x k) = src (column-major k x k), i.e. the transpose of the buffer. */
static void transpose_square(const double *src, double *dst, rom_int k) {
  for (rom_int i = 0; i < k; ++i)
    for (rom_int j = 0; j < k; ++j)
      dst[i * k + j] = src[i + j * k];
}

/* The coefficients B (npsi x nterms, ld cap) as {nterms, npsi}: row t = B[:, t]. */
static int write_riesz(rom_h5 *f, const rom_riesz_space *rs, const char *dataset) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_h5_ctx(f);
  double *buf = NULL;
  const rom_int np = rs->npsi, nt = rs->nterms;
  if (np == 0) return ROM_OK;
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(np * nt), (void **)&buf));
  for (rom_int t = 0; t < nt; ++t)
    memcpy(buf + t * np, rs->B + t * rs->cap, sizeof(double) * (size_t)np);
  {
    rom_int dims[2] = {nt, np};
    ROM_TRY(ctx, rom_h5_write_array(f, dataset, 2, dims, buf));
  }
cleanup:
  rom_free(ctx, buf);
  return err;
}

/* The estimator and the output duals (docs/file-format.md, "affine_rom"): only when the ROM
 * has an estimator; files without stay as they were. Collective. */
static int write_estimator(rom_h5 *f, const rom_affine_rom *rom) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_h5_ctx(f);
  char name[96];
  if (!rom->est) return ROM_OK;
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "estimator", 1));
  ROM_TRY(ctx, rom_h5_write_attr_string(f, "estimator_coercivity",
                                        rom->coercivity == ROM_COERCIVITY_CALLBACK ? "callback"
                                        : rom->coercivity == ROM_COERCIVITY_SCM    ? "scm"
                                                                                   : "min_theta"));
  ROM_TRY(ctx, rom_affine_scm_write(f, rom));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "estimator_rank", rom->rs.npsi));
  {
    rom_int dims[1] = {rom->Qa};
    ROM_TRY(ctx, rom_h5_write_array(f, "estimator_theta_bar", 1, dims, rom->theta_bar));
  }
  ROM_TRY(ctx, write_riesz(f, &rom->rs, "estimator_coefficients"));
  for (int o = 0; o < rom->num_outputs && rom->dual; ++o) {
    const rom_affine_dual *d = &rom->dual[o];
    const rom_int kd = d->kd, k = rom->k;
    const int Qa = rom->Qa, Qf = rom->Qf;
    if (kd == 0) continue;
    snprintf(name, sizeof name, "output_dual_%d_dim", o);
    ROM_TRY(ctx, rom_h5_write_attr_int(f, name, kd));
    snprintf(name, sizeof name, "output_dual_%d_rank", o);
    ROM_TRY(ctx, rom_h5_write_attr_int(f, name, d->rs.npsi));
    rom_int d3[3] = {Qa, kd, kd}, d1[1] = {kd}, dq[2] = {Qa, kd}, df[2] = {Qf, kd},
            dc[3] = {Qa, k, kd};
    snprintf(name, sizeof name, "output_dual_%d_operators", o);
    ROM_TRY(ctx, rom_h5_write_array(f, name, 3, d3, d->Ad));
    snprintf(name, sizeof name, "output_dual_%d_rhs", o);
    ROM_TRY(ctx, rom_h5_write_array(f, name, 1, d1, d->ld));
    snprintf(name, sizeof name, "output_dual_%d_reference_terms", o);
    ROM_TRY(ctx, rom_h5_write_array(f, name, 2, dq, d->Zg));
    if (Qf > 0) {
      snprintf(name, sizeof name, "output_dual_%d_rhs_terms", o);
      ROM_TRY(ctx, rom_h5_write_array(f, name, 2, df, d->Zf));
    }
    snprintf(name, sizeof name, "output_dual_%d_cross", o);
    ROM_TRY(ctx, rom_h5_write_array(f, name, 3, dc, d->ZAP));
    snprintf(name, sizeof name, "output_dual_%d_coefficients", o);
    ROM_TRY(ctx, write_riesz(f, &d->rs, name));
  }
cleanup:
  return err;
}

int rom_affine_rom_write(const rom_affine_rom *rom, const char *path, int overwrite) {
  int err = ROM_OK;
  if (!rom) return ROM_ERR_ARG;
  rom_ctx *ctx = rom->ctx;
  rom_h5 *f = NULL;
  double *buf = NULL, *neg = NULL;
  char *names = NULL;
  const rom_int k = rom->k, kk = k * k;
  const int Qa = rom->Qa, Qf = rom->Qf;
  ROM_CHECK_ALL(ctx, path != NULL && path[0] != '\0', ROM_ERR_ARG,
                "the path of the affine ROM file must not be empty");
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(kk * Qa), (void **)&buf));
  ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(k * Qa), (void **)&neg));
  ROM_TRY(ctx, rom_h5_create(ctx, path, AFFINE_KIND, overwrite, &f));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "dim", k));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "operator_terms", Qa));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "rhs_terms", Qf));
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "symmetric", rom->symmetric));
  {
    rom_int dims[3] = {Qa, k, k};
    for (int q = 0; q < Qa; ++q)
      transpose_square(rom->A + q * kk, buf + q * kk, k);
    ROM_TRY(ctx, rom_h5_write_array(f, "operators", 3, dims, buf));
  }
  {
    /* R holds -g_q^r in its last Qa columns; the file holds g_q^r. */
    rom_int dims[2] = {Qa, k};
    for (rom_int i = 0; i < k * Qa; ++i)
      neg[i] = -rom->R[Qf * k + i];
    ROM_TRY(ctx, rom_h5_write_array(f, "operator_reference_terms", 2, dims, neg));
  }
  if (Qf > 0) {
    rom_int dims[2] = {Qf, k};
    ROM_TRY(ctx, rom_h5_write_array(f, "rhs", 2, dims, rom->R));
  }
  {
    rom_int dims[2] = {k, k};
    transpose_square(rom->M, buf, k);
    ROM_TRY(ctx, rom_h5_write_array(f, "mass", 2, dims, buf));
  }
  {
    rom_int dims[1] = {k};
    ROM_TRY(ctx, rom_h5_write_array(f, "mass_reference", 1, dims, rom->m_ref));
  }
  ROM_TRY(ctx, rom_h5_write_attr_int(f, "num_outputs", rom->num_outputs));
  if (rom->num_outputs > 0) {
    const int no = rom->num_outputs;
    rom_int d_out[2] = {no, k}, d_off[1] = {no};
    ROM_TRY(ctx, rom_h5_write_array(f, "outputs", 2, d_out, rom->out_L));
    ROM_TRY(ctx, rom_h5_write_array(f, "output_offsets", 1, d_off, rom->out_l0));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, (size_t)no * ROM_AFFINE_OUTPUT_NAME_MAX, (void **)&names));
    names[0] = '\0';
    for (int o = 0; o < no; ++o) {
      if (o > 0) strcat(names, ",");
      strcat(names, rom->out_names + (size_t)o * ROM_AFFINE_OUTPUT_NAME_MAX);
    }
    ROM_TRY(ctx, rom_h5_write_attr_string(f, "output_names", names));
  }
  ROM_TRY(ctx, write_estimator(f, rom));
  ROM_TRY(ctx, rom_h5_commit(&f));
cleanup:
  rom_h5_abort(&f);
  rom_free(ctx, buf);
  rom_free(ctx, neg);
  rom_free(ctx, names);
  return err;
}

/* The dataset must exist with exactly these dims; the sentence names file and dataset. */
static int check_dims(rom_h5 *f, const char *dataset, int ndims, const rom_int *expected) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_h5_ctx(f);
  int found_ndims = 0, exists = 0;
  rom_int dims[4] = {0, 0, 0, 0};
  ROM_TRY(ctx, rom_h5_dataset_dims(f, dataset, &found_ndims, dims, &exists));
  ROM_CHECK(ctx, exists, ROM_ERR_FORMAT, "%s: the affine ROM file has no dataset /%s",
            rom_h5_path(f), dataset);
  int same = found_ndims == ndims;
  for (int d = 0; d < ndims && same; ++d)
    same = dims[d] == expected[d];
  ROM_CHECK(ctx, same, ROM_ERR_DIM,
            "%s: dataset /%s has %d dims {%lld, %lld, %lld}, but the attributes dim, "
            "operator_terms and rhs_terms ask for %d dims {%lld, %lld, %lld} (trailing "
            "entries unused)",
            rom_h5_path(f), dataset, found_ndims, (long long)dims[0], (long long)dims[1],
            (long long)dims[2], ndims, (long long)expected[0],
            (long long)(ndims > 1 ? expected[1] : 0), (long long)(ndims > 2 ? expected[2] : 0));
cleanup:
  return err;
}

/* The outputs of a file that has them (attribute num_outputs > 0); files written before
 * outputs existed have no num_outputs attribute and read as a ROM without outputs. */
static int read_outputs(rom_h5 *f, rom_affine_rom *rom) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_h5_ctx(f);
  const char *path = rom_h5_path(f);
  int64_t no = 0;
  int found = 0;
  double *L = NULL, *l0 = NULL;
  char *names = NULL;
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "num_outputs", &no, &found));
  if (!found || no == 0) goto cleanup;
  ROM_CHECK(ctx, no > 0 && no <= 1000000, ROM_ERR_FORMAT,
            "%s: the attribute num_outputs = %lld is not a valid output count", path,
            (long long)no);
  {
    const rom_int k = rom->k;
    rom_int d_out[2] = {no, k}, d_off[1] = {no};
    const size_t buflen = (size_t)no * ROM_AFFINE_OUTPUT_NAME_MAX + 1;
    ROM_TRY(ctx, check_dims(f, "outputs", 2, d_out));
    ROM_TRY(ctx, check_dims(f, "output_offsets", 1, d_off));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(no * k), (void **)&L));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)no, (void **)&l0));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, buflen, (void **)&names));
    ROM_TRY(ctx, rom_h5_read_array(f, "outputs", 2, d_out, L));
    ROM_TRY(ctx, rom_h5_read_array(f, "output_offsets", 1, d_off, l0));
    ROM_TRY(ctx, rom_h5_read_attr_string(f, "output_names", names, buflen, NULL));
    /* Split at ','; each piece must be a valid, new name, and there must be `no` of them. */
    char *piece = names;
    for (int64_t o = 0; o < no; ++o) {
      char *comma = strchr(piece, ',');
      ROM_CHECK(ctx, (comma != NULL) == (o + 1 < no), ROM_ERR_FORMAT,
                "%s: the attribute output_names does not hold num_outputs = %lld names "
                "separated by ','",
                path, (long long)no);
      if (comma) *comma = '\0';
      if (rom_affine_rom_check_output_name(rom, piece) != ROM_OK) {
        char why[256]; /* the message is rewritten below: copy it first */
        snprintf(why, sizeof why, "%s", rom_ctx_last_error(ctx));
        ROM_FAIL(ctx, ROM_ERR_FORMAT, "%s: output name %lld in output_names: %s", path,
                 (long long)o, why);
      }
      ROM_TRY(ctx, rom_affine_rom_append_output(rom, piece, L + o * k, l0[o]));
      if (comma) piece = comma + 1;
    }
  }
cleanup:
  rom_free(ctx, L);
  rom_free(ctx, l0);
  rom_free(ctx, names);
  return err;
}

/* Reads a Riesz space of nterms terms and `rank` vectors from {nterms, rank} (rank 0: no
 * dataset). No vectors: the space cannot be extended. Collective. */
static int read_riesz(rom_h5 *f, rom_riesz_space *rs, const char *dataset, rom_int nterms,
                      int64_t rank) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_h5_ctx(f);
  ROM_CHECK(ctx, rank >= 0 && rank <= nterms, ROM_ERR_FORMAT,
            "%s: %s: the rank %lld of the residual's Riesz space is not in 0..%lld", rom_h5_path(f),
            dataset, (long long)rank, (long long)nterms);
  ROM_TRY_ALL(ctx, rom_riesz_reserve(ctx, rs, -1, rank, nterms));
  rs->nterms = nterms;
  rs->npsi = rank;
  if (rank > 0) {
    rom_int dims[2] = {nterms, rank};
    ROM_TRY(ctx, check_dims(f, dataset, 2, dims));
    ROM_TRY(ctx, rom_h5_read_array(f, dataset, 2, dims, rs->B)); /* cap == rank: same layout */
  }
cleanup:
  return err;
}

/* The optional estimator of a file (attribute estimator = 1); older files have none. */
static int read_estimator(rom_h5 *f, rom_affine_rom *rom) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_h5_ctx(f);
  const char *path = rom_h5_path(f);
  int64_t has = 0, rank = 0;
  int found = 0;
  char kind[32] = "", name[96];
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "estimator", &has, &found));
  if (!found || has == 0) goto cleanup;
  ROM_TRY(ctx, rom_h5_read_attr_string(f, "estimator_coercivity", kind, sizeof kind, NULL));
  ROM_CHECK(ctx,
            strcmp(kind, "min_theta") == 0 || strcmp(kind, "callback") == 0 ||
                strcmp(kind, "scm") == 0,
            ROM_ERR_FORMAT,
            "%s: the attribute estimator_coercivity = '%s' is not 'min_theta', 'callback' or 'scm'",
            path, kind);
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "estimator_rank", &rank, NULL));
  {
    const int Qa = rom->Qa, Qf = rom->Qf;
    const rom_int k = rom->k, nt = rom_affine_est_terms(rom, k);
    rom_int d1[1] = {Qa};
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)Qa, (void **)&rom->theta_bar));
    ROM_TRY(ctx, check_dims(f, "estimator_theta_bar", 1, d1));
    ROM_TRY(ctx, rom_h5_read_array(f, "estimator_theta_bar", 1, d1, rom->theta_bar));
    {
      int positive = 0; /* 0 marks a term outside X (non-symmetric); at least one is in it */
      for (int q = 0; q < Qa; ++q) {
        ROM_CHECK(ctx, rom->theta_bar[q] >= 0.0 && isfinite(rom->theta_bar[q]), ROM_ERR_FORMAT,
                  "%s: estimator_theta_bar[%d] = %g must be >= 0", path, q, rom->theta_bar[q]);
        positive += rom->theta_bar[q] > 0.0;
      }
      ROM_CHECK(ctx, positive > 0, ROM_ERR_FORMAT, "%s: estimator_theta_bar is all zero", path);
    }
    ROM_TRY(ctx, read_riesz(f, &rom->rs, "estimator_coefficients", nt, rank));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)nt, (void **)&rom->est_c));
    rom->coercivity = strcmp(kind, "callback") == 0 ? ROM_COERCIVITY_CALLBACK
                      : strcmp(kind, "scm") == 0    ? ROM_COERCIVITY_SCM
                                                    : ROM_COERCIVITY_MIN_THETA;
    if (rom->coercivity == ROM_COERCIVITY_SCM) ROM_TRY(ctx, rom_affine_scm_read(f, rom));
    for (int o = 0; o < rom->num_outputs; ++o) {
      int64_t kd = 0, drank = 0;
      int dfound = 0;
      snprintf(name, sizeof name, "output_dual_%d_dim", o);
      ROM_TRY(ctx, rom_h5_read_attr_int(f, name, &kd, &dfound));
      if (!dfound || kd == 0) continue;
      ROM_CHECK(ctx, kd > 0 && kd <= 46340, ROM_ERR_FORMAT, "%s: %s = %lld is not a dimension",
                path, name, (long long)kd);
      if (!rom->dual)
        ROM_TRY_ALL(ctx, rom_calloc(ctx, (size_t)rom->num_outputs, sizeof(rom_affine_dual),
                                    (void **)&rom->dual));
      rom_affine_dual *d = &rom->dual[o];
      ROM_TRY_ALL(ctx, rom_affine_dual_alloc(ctx, d, kd, k, Qa, Qf));
      snprintf(name, sizeof name, "output_dual_%d_rank", o);
      ROM_TRY(ctx, rom_h5_read_attr_int(f, name, &drank, NULL));
      rom_int d3[3] = {Qa, kd, kd}, dd[1] = {kd}, dq[2] = {Qa, kd}, df[2] = {Qf, kd},
              dc[3] = {Qa, k, kd};
      snprintf(name, sizeof name, "output_dual_%d_operators", o);
      ROM_TRY(ctx, check_dims(f, name, 3, d3));
      ROM_TRY(ctx, rom_h5_read_array(f, name, 3, d3, d->Ad));
      snprintf(name, sizeof name, "output_dual_%d_rhs", o);
      ROM_TRY(ctx, check_dims(f, name, 1, dd));
      ROM_TRY(ctx, rom_h5_read_array(f, name, 1, dd, d->ld));
      snprintf(name, sizeof name, "output_dual_%d_reference_terms", o);
      ROM_TRY(ctx, check_dims(f, name, 2, dq));
      ROM_TRY(ctx, rom_h5_read_array(f, name, 2, dq, d->Zg));
      if (Qf > 0) {
        snprintf(name, sizeof name, "output_dual_%d_rhs_terms", o);
        ROM_TRY(ctx, check_dims(f, name, 2, df));
        ROM_TRY(ctx, rom_h5_read_array(f, name, 2, df, d->Zf));
      }
      snprintf(name, sizeof name, "output_dual_%d_cross", o);
      ROM_TRY(ctx, check_dims(f, name, 3, dc));
      ROM_TRY(ctx, rom_h5_read_array(f, name, 3, dc, d->ZAP));
      snprintf(name, sizeof name, "output_dual_%d_coefficients", o);
      ROM_TRY(ctx, read_riesz(f, &d->rs, name, 1 + (rom_int)Qa * kd, drank));
    }
  }
  rom->est = 1;
cleanup:
  if (err != ROM_OK) rom_affine_rom_free_estimator(rom);
  return err;
}

int rom_affine_rom_read(rom_ctx *ctx, const char *path, rom_affine_rom **out) {
  int err = ROM_OK;
  rom_h5 *f = NULL;
  rom_affine_rom *rom = NULL;
  double *buf = NULL;
  int64_t k = 0, Qa = 0, Qf = 0, symmetric = 0;
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "out must not be NULL");
  *out = NULL;
  ROM_CHECK_ALL(ctx, path != NULL && path[0] != '\0', ROM_ERR_ARG,
                "the path of the affine ROM file must not be empty");
  ROM_TRY(ctx, rom_h5_open(ctx, path, AFFINE_KIND, &f));
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "dim", &k, NULL));
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "operator_terms", &Qa, NULL));
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "rhs_terms", &Qf, NULL));
  ROM_TRY(ctx, rom_h5_read_attr_int(f, "symmetric", &symmetric, NULL));
  ROM_CHECK(ctx, k >= 1 && k <= 46340 && Qa >= 1 && Qa <= 1000000 && Qf >= 0 && Qf <= 1000000,
            ROM_ERR_FORMAT,
            "%s: the attributes dim = %lld, operator_terms = %lld, rhs_terms = %lld are not a "
            "valid affine ROM (dim >= 1, operator_terms >= 1, rhs_terms >= 0)",
            path, (long long)k, (long long)Qa, (long long)Qf);
  {
    rom_int d_ops[3] = {Qa, k, k}, d_ref[2] = {Qa, k}, d_rhs[2] = {Qf, k}, d_mass[2] = {k, k},
            d_mref[1] = {k};
    const rom_int kk = k * k;
    ROM_TRY(ctx, check_dims(f, "operators", 3, d_ops));
    ROM_TRY(ctx, check_dims(f, "operator_reference_terms", 2, d_ref));
    if (Qf > 0) ROM_TRY(ctx, check_dims(f, "rhs", 2, d_rhs));
    ROM_TRY(ctx, check_dims(f, "mass", 2, d_mass));
    ROM_TRY(ctx, check_dims(f, "mass_reference", 1, d_mref));

    /* dims up to the bounds above may be declared without being stored: refuse arrays the
     * machine cannot hold before allocating them (the operators, twice, and the rhs) */
    char what[600];
    snprintf(what, sizeof what, "the %lld operators of dimension %lld of '%s'", (long long)Qa,
             (long long)k, path);
    ROM_TRY_ALL(ctx, rom_memory_check(ctx,
                                      8.0 * (double)kk * (2.0 * (double)Qa + 3.0) +
                                          8.0 * (double)k * (double)(Qa + Qf),
                                      what, "is the file damaged?"));
    ROM_TRY_ALL(ctx, rom_affine_rom_alloc(ctx, k, (int)Qa, (int)Qf, &rom));
    ROM_TRY_ALL(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(kk * Qa), (void **)&buf));
    ROM_TRY(ctx, rom_h5_read_array(f, "operators", 3, d_ops, buf));
    for (int64_t q = 0; q < Qa; ++q)
      transpose_square(buf + q * kk, rom->A + q * kk, k);
    ROM_TRY(ctx, rom_h5_read_array(f, "operator_reference_terms", 2, d_ref, buf));
    for (rom_int i = 0; i < k * Qa; ++i)
      rom->R[Qf * k + i] = -buf[i];
    if (Qf > 0) ROM_TRY(ctx, rom_h5_read_array(f, "rhs", 2, d_rhs, rom->R));
    ROM_TRY(ctx, rom_h5_read_array(f, "mass", 2, d_mass, buf));
    transpose_square(buf, rom->M, k);
    ROM_TRY(ctx, rom_h5_read_array(f, "mass_reference", 1, d_mref, rom->m_ref));
  }
  ROM_TRY(ctx, read_outputs(f, rom));
  ROM_TRY(ctx, read_estimator(f, rom));
  rom_affine_rom_classify(rom);
  /* The writer symmetrised what it marked symmetric, so the test passes exactly; a file
   * that claims symmetry its data lacks would make Cholesky read a wrong triangle. */
  ROM_CHECK(ctx, !symmetric || rom->symmetric, ROM_ERR_FORMAT,
            "%s: the attribute symmetric = 1, but the dataset /operators holds a "
            "non-symmetric term",
            path);
  rom->symmetric = rom->symmetric && symmetric;
  ROM_TRY(ctx, rom_h5_close(&f));
  *out = rom;
  rom = NULL;
cleanup:
  rom_h5_abort(&f);
  rom_free(ctx, buf);
  rom_affine_rom_destroy(&rom);
  return err;
}
