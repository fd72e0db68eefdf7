/* Hyper-reduction files across format versions (docs/file-format.md, "Versions"): a
 * manifold hyper-reduction file of format_version 2 stores each decoder layer's activation
 * by name (attribute `activation` of PREFIX/blockB/layerI, info {4}); version 1 stored it
 * as a float64 code in info {5}. A version-1 file, written here from the version-2 one by
 * hand with plain HDF5 (the layout romkit wrote before), reads to the same object: the same
 * samples, sample mesh and gappy operator, every layer's activation, and the decoder
 * sub-network gives the same outputs and Jacobian bit for bit. A bad code in a version-1
 * file, an unknown name in a version-2 file and a version-3 file are refused. Two stacked
 * decoders (swish with a band mask, sigmoid dense with a bias) on an uneven partition. */
#include "testutil.h"

/* librom internal API: the read sub-network's layers are compared directly. */
#include "hyper/hyper_impl.h"
#include "manifold/subnet_impl.h"

#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N1 18
#define N2 14
#define NT (N1 + N2)

/* Row i needs i - 1 (periodic) and itself: the P1 stencil (docs/problems.md). */
static int stencil(void *user, rom_int row, rom_int max, rom_int *cols, rom_int *count) {
  (void)user;
  *count = 2;
  if (max >= 2) cols[0] = (row + NT - 1) % NT, cols[1] = row;
  return 0;
}
static int no_velocity(void *user, rom_int nrows, const rom_int *rows, rom_int nneeded,
                       const rom_int *needed, const double *u_needed, double t, const double *mu,
                       double *F) {
  (void)user, (void)nrows, (void)rows, (void)nneeded, (void)needed, (void)u_needed, (void)t;
  (void)mu, (void)F;
  return 0;
}

/* The attribute `activation` of group `obj` (a variable-length string) into buf. */
static int read_name(hid_t file, const char *obj, char *buf, size_t len) {
  hid_t attr = H5Aopen_by_name(file, obj, "activation", H5P_DEFAULT, H5P_DEFAULT);
  hid_t type = attr >= 0 ? H5Aget_type(attr) : -1;
  char *text = NULL;
  int ok = type >= 0 && H5Tis_variable_str(type) > 0 && H5Aread(attr, type, &text) >= 0 && text;
  if (ok) snprintf(buf, len, "%s", text);
  if (text) H5free_memory(text);
  if (type >= 0) H5Tclose(type);
  if (attr >= 0) H5Aclose(attr);
  return ok;
}

static void set_version(hid_t file, long long version) {
  hid_t attr = H5Aopen(file, "format_version", H5P_DEFAULT);
  H5Awrite(attr, H5T_NATIVE_LLONG, &version);
  H5Aclose(attr);
}

/* Rank 0 rewrites a version-2 file in place as version 1 (info {5} with the activation's
 * code at [2], no attribute), as romkit wrote it before the activation registry; code_shift
 * is added to every code (to make a damaged file). Returns the number of layers seen. */
static int to_version1(const char *path, double code_shift) {
  int layers = 0;
  hid_t file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
  for (int b = 0; b < 8; ++b) {
    char block[64];
    snprintf(block, sizeof block, "decoder_subnet/block%d", b);
    if (H5Lexists(file, block, H5P_DEFAULT) <= 0) break; /* the parent exists: no error */
    for (int l = 0; l < 8; ++l) {
      char group[128], info_path[160], name[64];
      snprintf(group, sizeof group, "%s/layer%d", block, l);
      snprintf(info_path, sizeof info_path, "%s/info", group);
      if (H5Lexists(file, group, H5P_DEFAULT) <= 0) break;
      double info4[4], info5[5];
      rom_activation act = ROM_ACT_IDENTITY;
      hid_t d = H5Dopen2(file, info_path, H5P_DEFAULT);
      H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, info4);
      H5Dclose(d);
      if (!read_name(file, group, name, sizeof name) || rom_activation_from_name(name, &act))
        return -1;
      info5[0] = info4[0], info5[1] = info4[1], info5[2] = (double)act + code_shift;
      info5[3] = info4[2], info5[4] = info4[3];
      H5Ldelete(file, info_path, H5P_DEFAULT);
      H5Adelete_by_name(file, group, "activation", H5P_DEFAULT);
      hsize_t five = 5;
      hid_t space = H5Screate_simple(1, &five, NULL);
      d = H5Dcreate2(file, info_path, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, info5);
      H5Dclose(d);
      H5Sclose(space);
      ++layers;
    }
  }
  set_version(file, 1);
  H5Fclose(file);
  return layers;
}

/* Rank 0 rewrites the file as version 1 (to_version1); every rank gets its layer count. */
static int on_rank0(rom_ctx *ctx, const char *path, double code_shift) {
  int layers = 0;
  MPI_Barrier(rom_ctx_comm(ctx));
  if (rom_ctx_rank(ctx) == 0) layers = to_version1(path, code_shift);
  MPI_Bcast(&layers, 1, MPI_INT, 0, rom_ctx_comm(ctx));
  return layers;
}

static void copy_file(rom_ctx *ctx, const char *from, const char *to) {
  MPI_Barrier(rom_ctx_comm(ctx));
  if (rom_ctx_rank(ctx) == 0) {
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[4096];
    size_t n;
    while (in && out && (n = fread(buf, 1, sizeof buf, in)) > 0)
      fwrite(buf, 1, n, out);
    if (in) fclose(in);
    if (out) fclose(out);
  }
  MPI_Barrier(rom_ctx_comm(ctx));
}

static int same_doubles(const double *a, const double *b, rom_int n) {
  return n == 0 || (a && b && memcmp(a, b, sizeof(double) * (size_t)n) == 0);
}

/* Everything the two objects hold is the same, the sub-network's evaluation bit for bit. */
static void check_same(const rom_hyper *a, const rom_hyper *b, const char *what) {
  CHECK(a->method == b->method && a->N == b->N && a->ns == b->ns && a->nb == b->nb &&
            a->k == b->k && a->nneeded == b->nneeded,
        "%s: method and sizes", what);
  CHECK(!memcmp(a->sample_rows, b->sample_rows, sizeof(rom_int) * (size_t)a->ns) &&
            !memcmp(a->needed_rows, b->needed_rows, sizeof(rom_int) * (size_t)a->nneeded),
        "%s: sample rows and sample mesh", what);
  CHECK(same_doubles(a->gappy_pinv, b->gappy_pinv, a->ns * a->nb) &&
            same_doubles(a->residual_basis_rows, b->residual_basis_rows, a->ns * a->nb) &&
            same_doubles(a->reference_rows, b->reference_rows, a->nneeded),
        "%s: gappy operator and reference rows", what);
  CHECK(a->decoder && b->decoder && a->decoder->nblocks == b->decoder->nblocks,
        "%s: both have the decoder sub-network", what);
  if (!a->decoder || !b->decoder || a->decoder->nblocks != b->decoder->nblocks) return;
  for (int bl = 0; bl < a->decoder->nblocks; ++bl) {
    const rom_subnet_block *x = &a->decoder->blocks[bl], *y = &b->decoder->blocks[bl];
    CHECK(x->nl == y->nl, "%s: block %d layer count", what, bl);
    for (int l = 0; l < x->nl && l < y->nl; ++l)
      CHECK(x->layers[l].act == y->layers[l].act && x->layers[l].in == y->layers[l].in &&
                x->layers[l].out == y->layers[l].out &&
                x->layers[l].has_bias == y->layers[l].has_bias &&
                (x->layers[l].mask != NULL) == (y->layers[l].mask != NULL),
            "%s: block %d layer %d: activation '%s' / '%s', sizes, bias, mask", what, bl, l,
            rom_activation_name(x->layers[l].act), rom_activation_name(y->layers[l].act));
  }
  {
    const rom_int k = a->k, n = a->nneeded;
    double q[16], *g1 = calloc((size_t)n, sizeof(double)), *g2 = calloc((size_t)n, sizeof(double));
    double *J1 = calloc((size_t)(n * k), sizeof(double)),
           *J2 = calloc((size_t)(n * k), sizeof(double));
    for (rom_int i = 0; i < k; ++i)
      q[i] = 0.3 * sin(1.0 + (double)i);
    CHECK(rom_ae_subnet_decode(a->decoder, q, g1, J1, n) == ROM_OK &&
              rom_ae_subnet_decode(b->decoder, q, g2, J2, n) == ROM_OK,
          "%s: both decode", what);
    CHECK(same_doubles(g1, g2, n) && same_doubles(J1, J2, n * k),
          "%s: the sub-networks give the same g and Jacobian bit for bit", what);
    free(g1), free(g2), free(J1), free(J2);
  }
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  const int rank = rom_ctx_rank(ctx), size = rom_ctx_size(ctx);
  const rom_int L = test_uneven_rows(NT, rank, size), nb = 4, ns = 7;
  char v2[512], v1[512], bad[512];
  rom_model *m = NULL;
  rom_dmat *R = NULL;
  rom_mask *band = NULL;
  rom_ae *aes[2] = {NULL, NULL};
  rom_hyper *hr = NULL, *read2 = NULL, *read1 = NULL, *refused = NULL;
  test_path(ctx, "hyper_v2.h5", v2, sizeof v2);
  test_path(ctx, "hyper_v1.h5", v1, sizeof v1);
  test_path(ctx, "hyper_bad.h5", bad, sizeof bad);

  CHECK_OK(ctx, rom_model_create(ctx, L, 0, NULL, &m));
  CHECK_OK(ctx, rom_model_set_sampled_velocity(m, stencil, no_velocity, NULL));
  /* a residual basis with independent columns: smooth modes of the global row */
  CHECK_OK(ctx, rom_dmat_create(ctx, L, nb, &R));
  {
    double *d = rom_dmat_data(R);
    const rom_int off = rom_dmat_row_offset(R);
    for (rom_int j = 0; j < nb; ++j)
      for (rom_int i = 0; i < L; ++i)
        d[i + j * L] = cos((double)(j + 1) * 0.37 * (double)(off + i) + 0.1 * (double)j);
  }
  CHECK_OK(ctx, rom_mask_banded(ctx, N1, 6, 2, &band));
  CHECK_OK(ctx, rom_ae_create_shallow(ctx, N1, 2 * N1, 2, 2 * (N1 - 1) + 6, ROM_ACT_SWISH, 0, band,
                                      11, &aes[0]));
  CHECK_OK(ctx,
           rom_ae_create_shallow(ctx, N2, 2 * N2, 3, 9, ROM_ACT_SIGMOID, 1, NULL, 12, &aes[1]));
  {
    rom_hyper_options o = rom_hyper_options_default();
    o.method = ROM_HYPER_DEIM_OS;
    o.num_samples = ns;
    o.residual_dim = nb;
    CHECK_OK(ctx, rom_hyper_create(NULL, NULL, NULL, R, &o, &hr));
    CHECK_OK(ctx, rom_hyper_attach_decoder(hr, m, 2, aes, NULL));
  }
  if (!hr) return test_finish(&ctx);
  CHECK_OK(ctx, rom_hyper_write(hr, v2, 1));

  /* version 2 as written: the version attribute, names on the layer groups, info {4} */
  MPI_Barrier(rom_ctx_comm(ctx));
  if (rank == 0) {
    hid_t file = H5Fopen(v2, H5F_ACC_RDONLY, H5P_DEFAULT);
    long long version = 0;
    char name[64] = "";
    hid_t attr = H5Aopen(file, "format_version", H5P_DEFAULT);
    H5Aread(attr, H5T_NATIVE_LLONG, &version);
    H5Aclose(attr);
    CHECK(version == 2, "a hyper file is written at format_version 2 (got %lld)", version);
    CHECK(read_name(file, "decoder_subnet/block0/layer0", name, sizeof name) &&
              !strcmp(name, "swish"),
          "block 0's hidden layer is stored as 'swish' (got '%s')", name);
    CHECK(read_name(file, "decoder_subnet/block1/layer0", name, sizeof name) &&
              !strcmp(name, "sigmoid"),
          "block 1's hidden layer is stored as 'sigmoid' (got '%s')", name);
    CHECK(read_name(file, "decoder_subnet/block1/layer1", name, sizeof name) &&
              !strcmp(name, "identity"),
          "the output layer is stored as 'identity' (got '%s')", name);
    hid_t d = H5Dopen2(file, "decoder_subnet/block0/layer0/info", H5P_DEFAULT);
    hid_t space = H5Dget_space(d);
    hsize_t dims[1] = {0};
    H5Sget_simple_extent_dims(space, dims, NULL);
    CHECK(dims[0] == 4, "info holds in, out, bias, masked (got %llu entries)",
          (unsigned long long)dims[0]);
    H5Sclose(space);
    H5Dclose(d);
    H5Fclose(file);
  }
  CHECK_OK(ctx, rom_hyper_read(ctx, v2, &read2));
  if (read2) check_same(hr, read2, "version 2");

  /* version 1, written by hand: read to the same object */
  copy_file(ctx, v2, v1);
  CHECK(on_rank0(ctx, v1, 0.0) == 4, "the version-1 file has 2 blocks x 2 layers");
  CHECK_OK(ctx, rom_hyper_read(ctx, v1, &read1));
  if (read1) check_same(hr, read1, "version 1");
  /* and written back, it is version 2 again, with the same content */
  if (read1) {
    rom_hyper *again = NULL;
    CHECK_OK(ctx, rom_hyper_write(read1, bad, 1));
    CHECK_OK(ctx, rom_hyper_read(ctx, bad, &again));
    if (again) check_same(hr, again, "version 1 written again");
    rom_hyper_destroy(&again);
  }

  /* refused: a code outside the table in version 1 ... */
  copy_file(ctx, v2, bad);
  on_rank0(ctx, bad, (double)rom_activation_count());
  CHECK_ERR(ctx, rom_hyper_read(ctx, bad, &refused), ROM_ERR_FORMAT);
  CHECK(strstr(rom_ctx_last_error(ctx), "not a rom_activation") != NULL, "names the problem: %s",
        rom_ctx_last_error(ctx));
  /* ... an unknown name in version 2 ... */
  copy_file(ctx, v2, bad);
  MPI_Barrier(rom_ctx_comm(ctx));
  if (rank == 0) {
    hid_t file = H5Fopen(bad, H5F_ACC_RDWR, H5P_DEFAULT);
    H5Adelete_by_name(file, "decoder_subnet/block1/layer0", "activation", H5P_DEFAULT);
    hid_t type = H5Tcopy(H5T_C_S1), space = H5Screate(H5S_SCALAR);
    H5Tset_size(type, H5T_VARIABLE);
    hid_t attr = H5Acreate_by_name(file, "decoder_subnet/block1/layer0", "activation", type, space,
                                   H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const char *relu = "relu";
    H5Awrite(attr, type, &relu);
    H5Aclose(attr), H5Sclose(space), H5Tclose(type);
    H5Fclose(file);
  }
  MPI_Barrier(rom_ctx_comm(ctx));
  CHECK_ERR(ctx, rom_hyper_read(ctx, bad, &refused), ROM_ERR_FORMAT);
  CHECK(strstr(rom_ctx_last_error(ctx), "relu") != NULL &&
            strstr(rom_ctx_last_error(ctx), "sigmoid") != NULL,
        "names the bad activation and the known ones: %s", rom_ctx_last_error(ctx));
  /* ... and a version this romkit does not know */
  copy_file(ctx, v2, bad);
  MPI_Barrier(rom_ctx_comm(ctx));
  if (rank == 0) {
    hid_t file = H5Fopen(bad, H5F_ACC_RDWR, H5P_DEFAULT);
    set_version(file, 3);
    H5Fclose(file);
  }
  MPI_Barrier(rom_ctx_comm(ctx));
  CHECK_ERR(ctx, rom_hyper_read(ctx, bad, &refused), ROM_ERR_FORMAT);
  CHECK(strstr(rom_ctx_last_error(ctx), "format_version 3") != NULL, "names the version: %s",
        rom_ctx_last_error(ctx));
  CHECK(refused == NULL, "no object from a refused file");

  rom_hyper_destroy(&hr);
  rom_hyper_destroy(&read1);
  rom_hyper_destroy(&read2);
  rom_ae_destroy(&aes[0]);
  rom_ae_destroy(&aes[1]);
  rom_mask_destroy(&band);
  rom_dmat_destroy(&R);
  rom_model_destroy(&m);
  return test_finish(&ctx);
}
