/* A deterministic mutation fuzzer for every romkit file reader (docs/reliability.md,
 * "Reader fuzzing").
 *
 * Seed files of every kind are written here by the library itself (snapshots, read whole
 * and by the out-of-core incremental POD, basis,
 * affine ROM, linear and manifold hyper-reduction, autoencoder, sweep, libROM basis).
 * Each case copies one seed, damages the copy with one mutation and hands it to the
 * reader of its kind, in this process (so that the sanitizer build sees every byte the
 * reader touches). A case passes when the reader returns ROM_OK or an error code with a
 * message, within CASE_SECONDS, and gives back all romkit memory; any signal (a crash, an
 * ASan report) or the alarm names the case that caused it, and ROMKIT_FUZZ_CASE=<n>
 * replays that one case alone.
 *
 * Mutations (one per case):
 *   bitflip      1 to 3 random bits anywhere in the file
 *   bytes        1 to 8 bytes overwritten by 0x00, 0xff or random values
 *   truncate     the file cut at a random offset
 *   attr_type    an attribute replaced by one of another type class (string <-> number)
 *   attr_rank    an attribute replaced by an array {2..5} of its type, or an empty one
 *   attr_size    an attribute replaced by a 1-byte or 300-byte string, or an int8
 *   attr_value   an integer attribute set to -1, 0, 2^31 or 2^62 (declared sizes)
 *   dset_type    a dataset rewritten as int32, float32, int8 or strings, same dims
 *   dset_shape   a dataset's dims swapped, grown, shrunk, flattened or given a new axis
 *   dset_huge    a dataset re-declared chunked with dims[0] = 2^31 .. 2^62, nothing stored
 *   delete       an attribute or a dataset removed
 * The HDF5-level mutations use plain serial HDF5 on the copy, as a user's script would.
 *
 * Environment: ROMKIT_FUZZ_SEEDS (seeds to run, default 1), ROMKIT_FUZZ_FIRST_SEED
 * (default 1), ROMKIT_FUZZ_REPS (cases per reader, kind and seed, default 3),
 * ROMKIT_FUZZ_CASE (run only this case number), ROMKIT_FUZZ_VERBOSE (print every case),
 * ROMKIT_FUZZ_KEEP (a directory: also keep every mutated file there, for tests/cli/
 * fuzz_info.sh). */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include "core/check.h" /* rom_free */
#include "io/h5.h"

#include <hdf5.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Case descriptions and paths are cut to their buffers on purpose. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

#define CASE_SECONDS 30
#define MAX_OBJECTS 256

/* ---- reproducible random numbers (splitmix64) ---------------------------------------- */

static uint64_t mix(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static uint64_t below(uint64_t *state, uint64_t n) {
  return n ? mix(state) % n : 0;
}

/* ---- the case being run, for the crash report ------------------------------------------ */

static char current[512] = "(no case yet)";

static void report_current(void) {
  static const char head[] = "\nfuzz_readers: the reader crashed or hung on case: ";
  ssize_t ignored = write(2, head, sizeof head - 1);
  ignored = write(2, current, strlen(current));
  ignored = write(2, "\n", 1);
  (void)ignored;
}

static void on_signal(int sig) {
  report_current();
  signal(sig, SIG_DFL);
  raise(sig);
}

/* ---- seed files ------------------------------------------------------------------------ */

enum {
  K_SNAPSHOTS,
  K_POD_FILE,
  K_BASIS,
  K_AFFINE,
  K_HYPER,
  K_HYPER_MANIFOLD,
  K_AE,
  K_SWEEP,
  K_LIBROM,
  K_COUNT
};
static const char *const kind_names[K_COUNT] = {"snapshots",   "pod_file", "basis",
                                                "affine_rom",  "hyper",    "hyper_manifold",
                                                "autoencoder", "sweep",    "librom"};

#define NT 18 /* rows of the manifold hyper seed (one P1-like autoencoder) */

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
  (void)mu;
  for (rom_int i = 0; i < nrows; ++i)
    F[i] = 0.0;
  return 0;
}

/* Writes every seed into dir; returns the number of failures. */
static int write_seeds(rom_ctx *ctx, const char *dir, char seeds[K_COUNT][600]) {
  int failures = 0;
  rom_heat2d *h = NULL;
  rom_snapshots *s = NULL;
  rom_basis *b = NULL;
  rom_affine_rom *rom = NULL;
  rom_sweep_design *d = NULL;
  rom_sweep *sw = NULL;
  rom_ae *ae = NULL;
  rom_mask *band = NULL;
  rom_model *m = NULL;
  rom_dmat *R = NULL;
  rom_hyper *hr = NULL, *hm = NULL;
  const rom_dmat *S = NULL;
  for (int k = 0; k < K_COUNT; ++k)
    snprintf(seeds[k], 600, "%s/seed_%s%s", dir, kind_names[k], k == K_LIBROM ? "" : ".h5");

#define SEED_OK(expr)                                                                              \
  do {                                                                                             \
    int rc_ = (expr);                                                                              \
    CHECK(rc_ == ROM_OK, "seed: %s: %s", #expr, rom_ctx_last_error(ctx));                          \
    failures += rc_ != ROM_OK;                                                                     \
  } while (0)

  /* heat2d (N = 36, 4 parameters): snapshots, a POD basis, an affine ROM and a sweep */
  rom_heat2d_options ho = rom_heat2d_options_default();
  ho.n = 6;
  SEED_OK(rom_heat2d_create(ctx, &ho, ROM_AUTO_ROWS, &h));
  if (failures) goto done;
  rom_int L = rom_heat2d_local_rows(h);
  rom_snapshots_options so = rom_snapshots_options_default();
  so.num_parameters = 4;
  SEED_OK(rom_snapshots_create(ctx, L, &so, &s));
  double *u = calloc((size_t)L + 1, sizeof(double)), *l = calloc((size_t)L + 1, sizeof(double));
  for (int j = 0; j < 6 && !failures; ++j) {
    double mu[4] = {1.0 + j, 2.0 - 0.2 * j, 0.5 + 0.1 * j, 1.5};
    SEED_OK(rom_heat2d_solve(h, mu, u));
    SEED_OK(rom_snapshots_add_tagged(s, u, 0.1 * j, mu));
  }
  for (rom_int i = 0; i < L; ++i)
    l[i] = 1.0 / 36.0;
  if (!failures) SEED_OK(rom_snapshots_write(s, seeds[K_SNAPSHOTS], 1));
  if (!failures) SEED_OK(rom_snapshots_write(s, seeds[K_POD_FILE], 1));
  if (!failures) SEED_OK(rom_snapshots_matrix(s, &S));
  rom_pod_options po = rom_pod_options_default();
  if (!failures) SEED_OK(rom_pod_compute(S, &po, &b));
  if (!failures) SEED_OK(rom_basis_write(b, seeds[K_BASIS], 1));
  if (!failures) SEED_OK(rom_basis_write_librom(b, seeds[K_LIBROM], 1));
  if (!failures) SEED_OK(rom_affine_rom_build(rom_heat2d_model(h), b, &rom));
  if (!failures) SEED_OK(rom_affine_rom_add_output(rom, b, "average", l));
  if (!failures) SEED_OK(rom_affine_rom_write(rom, seeds[K_AFFINE], 1));
  {
    const double low[4] = {0.5, 0.5, 0.5, 0.5}, high[4] = {2.0, 2.0, 2.0, 2.0};
    if (!failures)
      SEED_OK(rom_sweep_design_create(ctx, ROM_SWEEP_LHS, 4, low, high, NULL, 5, NULL, 3, &d));
    if (!failures) SEED_OK(rom_sweep_run(rom, d, NULL, NULL, &sw));
    if (!failures) SEED_OK(rom_sweep_write(sw, seeds[K_SWEEP], 1));
  }
  free(u);
  free(l);

  /* a banded autoencoder, a linear and a manifold hyper-reduction of NT rows */
  {
    rom_int LT = rom_dmat_partition_even(NT, rom_ctx_rank(ctx), rom_ctx_size(ctx)), nb = 4;
    if (!failures) SEED_OK(rom_mask_banded(ctx, NT, 6, 2, &band));
    if (!failures)
      SEED_OK(rom_ae_create_shallow(ctx, NT, 2 * NT, 2, 2 * (NT - 1) + 6, ROM_ACT_SWISH, 0, band,
                                    11, &ae));
    if (!failures) SEED_OK(rom_ae_write(ae, seeds[K_AE], 1));
    if (!failures) SEED_OK(rom_model_create(ctx, LT, 0, NULL, &m));
    if (!failures) SEED_OK(rom_model_set_sampled_velocity(m, stencil, no_velocity, NULL));
    if (!failures) SEED_OK(rom_dmat_create(ctx, LT, nb, &R));
    if (!failures) {
      double *dd = rom_dmat_data(R);
      const rom_int off = rom_dmat_row_offset(R);
      for (rom_int j = 0; j < nb; ++j)
        for (rom_int i = 0; i < LT; ++i)
          dd[i + j * LT] = cos((double)(j + 1) * 0.37 * (double)(off + i) + 0.1 * (double)j);
    }
    rom_hyper_options o = rom_hyper_options_default();
    o.method = ROM_HYPER_DEIM_OS;
    o.num_samples = 7;
    o.residual_dim = nb;
    if (!failures) SEED_OK(rom_hyper_create(NULL, NULL, NULL, R, &o, &hr));
    if (!failures) SEED_OK(rom_hyper_write(hr, seeds[K_HYPER], 1));
    if (!failures) SEED_OK(rom_hyper_create(NULL, NULL, NULL, R, &o, &hm));
    if (!failures) SEED_OK(rom_hyper_attach_decoder(hm, m, 1, &ae, NULL));
    if (!failures) SEED_OK(rom_hyper_write(hm, seeds[K_HYPER_MANIFOLD], 1));
  }
#undef SEED_OK
done:
  rom_hyper_destroy(&hr);
  rom_hyper_destroy(&hm);
  rom_dmat_destroy(&R);
  rom_model_destroy(&m);
  rom_mask_destroy(&band);
  rom_ae_destroy(&ae);
  rom_sweep_destroy(&sw);
  rom_sweep_design_destroy(&d);
  rom_affine_rom_destroy(&rom);
  rom_basis_destroy(&b);
  rom_snapshots_destroy(&s);
  rom_heat2d_destroy(&h);
  return failures;
}

/* ---- readers --------------------------------------------------------------------------- */

/* The sweep has no reader of its own in the library (romkit info and h5py read it): the
 * generic path every reader is built on, over all its attributes and datasets. */
static int read_sweep(rom_ctx *ctx, const char *path) {
  static const char *const ints[] = {"seed", "num_samples", "num_parameters", "num_outputs",
                                     "rom_dim"};
  static const char *const sets[] = {"parameters", "outputs", "statistics", "ranges", "log_scale"};
  rom_h5 *f = NULL;
  char text[256];
  int64_t v = 0;
  int rc = rom_h5_open(ctx, path, "sweep", &f);
  if (rc == ROM_OK) rc = rom_h5_read_attr_string(f, "design", text, sizeof text, NULL);
  if (rc == ROM_OK) rc = rom_h5_read_attr_string(f, "output_names", text, sizeof text, NULL);
  for (size_t i = 0; rc == ROM_OK && i < sizeof ints / sizeof ints[0]; ++i)
    rc = rom_h5_read_attr_int(f, ints[i], &v, NULL);
  for (size_t i = 0; rc == ROM_OK && i < sizeof sets / sizeof sets[0]; ++i) {
    int nd = 0;
    rom_int dims[4];
    double *data = NULL;
    rc = rom_h5_read_array_alloc(f, sets[i], &nd, dims, &data);
    rom_free(ctx, data);
  }
  if (rc == ROM_OK)
    rc = rom_h5_close(&f);
  else
    rom_h5_abort(&f);
  return rc;
}

static int read_file(rom_ctx *ctx, int kind, const char *path) {
  int rc = ROM_OK;
  switch (kind) {
  case K_SNAPSHOTS: {
    rom_dmat *m = NULL;
    rc = rom_snapshots_read(ctx, path, ROM_AUTO_ROWS, &m);
    rom_dmat_destroy(&m);
    break;
  }
  case K_POD_FILE: { /* the out-of-core, incremental POD streams the file in blocks */
    rom_basis *b = NULL;
    rom_pod_options o = rom_pod_options_default();
    o.method = ROM_SVD_INCREMENTAL;
    o.rank = 2;
    o.memory_budget = 1 << 20;
    rc = rom_pod_compute_file(ctx, path, &o, &b);
    rom_basis_destroy(&b);
    break;
  }
  case K_BASIS: {
    rom_basis *b = NULL;
    rc = rom_basis_read(ctx, path, ROM_AUTO_ROWS, &b);
    rom_basis_destroy(&b);
    break;
  }
  case K_AFFINE: {
    rom_affine_rom *r = NULL;
    rc = rom_affine_rom_read(ctx, path, &r);
    rom_affine_rom_destroy(&r);
    break;
  }
  case K_HYPER:
  case K_HYPER_MANIFOLD: {
    rom_hyper *hr = NULL;
    rc = rom_hyper_read(ctx, path, &hr);
    rom_hyper_destroy(&hr);
    break;
  }
  case K_AE: {
    rom_ae *ae = NULL;
    rc = rom_ae_read(ctx, path, &ae);
    rom_ae_destroy(&ae);
    break;
  }
  case K_SWEEP:
    rc = read_sweep(ctx, path);
    break;
  case K_LIBROM: {
    rom_basis *b = NULL;
    rc = rom_basis_read_librom(ctx, path, &b);
    rom_basis_destroy(&b);
    break;
  }
  default:
    break;
  }
  return rc;
}

/* ---- byte-level mutations ---------------------------------------------------------------- */

typedef struct {
  unsigned char *data;
  size_t size;
} blob;

static int load(const char *path, blob *b) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return -1;
  fseek(fp, 0, SEEK_END);
  long n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  b->size = n > 0 ? (size_t)n : 0;
  b->data = malloc(b->size + 1);
  size_t got = b->data ? fread(b->data, 1, b->size, fp) : 0;
  fclose(fp);
  return got == b->size ? 0 : -1;
}

static int save(const char *path, const unsigned char *data, size_t size) {
  FILE *fp = fopen(path, "wb");
  if (!fp) return -1;
  size_t put = size ? fwrite(data, 1, size, fp) : 0;
  return (fclose(fp) == 0 && put == size) ? 0 : -1;
}

enum {
  M_BITFLIP,
  M_BYTES,
  M_TRUNCATE,
  M_ATTR_TYPE,
  M_ATTR_RANK,
  M_ATTR_SIZE,
  M_ATTR_VALUE,
  M_DSET_TYPE,
  M_DSET_SHAPE,
  M_DSET_HUGE,
  M_DELETE,
  M_COUNT
};
static const char *const mutation_names[M_COUNT] = {
    "bitflip",    "bytes",     "truncate",   "attr_type", "attr_rank", "attr_size",
    "attr_value", "dset_type", "dset_shape", "dset_huge", "delete"};

/* Writes the byte-mutated copy; describes it in `what`. */
static int mutate_bytes(const blob *seed, int mutation, uint64_t *rng, const char *path, char *what,
                        size_t len) {
  unsigned char *copy = malloc(seed->size + 1);
  size_t size = seed->size;
  if (!copy) return -1;
  memcpy(copy, seed->data, seed->size);
  if (mutation == M_BITFLIP) {
    int bits = 1 + (int)below(rng, 3);
    size_t used = (size_t)snprintf(what, len, "flip");
    for (int i = 0; i < bits; ++i) {
      size_t at = (size_t)below(rng, size);
      int bit = (int)below(rng, 8);
      copy[at] ^= (unsigned char)(1u << bit);
      if (used < len)
        used += (size_t)snprintf(what + used, len - used, " byte %zu bit %d", at, bit);
    }
  } else if (mutation == M_BYTES) {
    size_t n = 1 + (size_t)below(rng, 8), at = (size_t)below(rng, size);
    int how = (int)below(rng, 3);
    for (size_t i = 0; i < n && at + i < size; ++i)
      copy[at + i] = how == 0 ? 0x00 : how == 1 ? 0xff : (unsigned char)below(rng, 256);
    snprintf(what, len, "%zu bytes at %zu set to %s", n, at,
             how == 0   ? "0x00"
             : how == 1 ? "0xff"
                        : "random values");
  } else {
    size = (size_t)below(rng, seed->size);
    snprintf(what, len, "truncated to %zu of %zu bytes", size, seed->size);
  }
  int rc = save(path, copy, size);
  free(copy);
  return rc;
}

/* ---- HDF5-level mutations ------------------------------------------------------------------ */

typedef struct {
  char name[MAX_OBJECTS][128];
  int is_dataset[MAX_OBJECTS];
  int count;
} object_list;

static herr_t collect(hid_t obj, const char *name, const H5O_info_t *info, void *data) {
  (void)obj;
  object_list *list = data;
  if (list->count >= MAX_OBJECTS || strlen(name) >= 128) return 0;
  if (info->type != H5O_TYPE_GROUP && info->type != H5O_TYPE_DATASET) return 0;
  snprintf(list->name[list->count], 128, "%s", name);
  list->is_dataset[list->count] = info->type == H5O_TYPE_DATASET;
  list->count++;
  return 0;
}

/* Picks object (any: datasets = 0, or datasets only = 1); -1 if none. */
static int pick_object(const object_list *list, int datasets, uint64_t *rng) {
  int candidates[MAX_OBJECTS], n = 0;
  for (int i = 0; i < list->count; ++i)
    if (!datasets || list->is_dataset[i]) candidates[n++] = i;
  return n ? candidates[below(rng, (uint64_t)n)] : -1;
}

/* Creates attribute `name` on obj with the given type and dims (rank 0: scalar, -1:
 * empty/null dataspace) holding zeros, or the string "x..." for string types. */
static int make_attribute(hid_t obj, const char *name, hid_t type, int rank, hsize_t n) {
  hid_t space = rank < 0    ? H5Screate(H5S_NULL)
                : rank == 0 ? H5Screate(H5S_SCALAR)
                            : H5Screate_simple(1, &n, NULL);
  hid_t attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  int ok = attr >= 0;
  if (ok && rank >= 0) {
    size_t count = rank == 0 ? 1 : (size_t)n, size = H5Tget_size(type);
    if (H5Tis_variable_str(type) > 0) {
      const char **text = calloc(count, sizeof(char *));
      for (size_t i = 0; text && i < count; ++i)
        text[i] = "basis";
      ok = text && H5Awrite(attr, type, text) >= 0;
      free(text);
    } else {
      unsigned char *zero = calloc(count, size ? size : 1);
      if (zero && H5Tget_class(type) == H5T_STRING) memset(zero, 'x', count * size);
      ok = zero && H5Awrite(attr, type, zero) >= 0;
      free(zero);
    }
  }
  if (attr >= 0) H5Aclose(attr);
  H5Sclose(space);
  return ok ? 0 : -1;
}

static hid_t vlen_string(void) {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  return t;
}
static hid_t fixed_string(size_t n) {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, n);
  return t;
}

static int mutate_attribute(hid_t file, const object_list *list, int mutation, uint64_t *rng,
                            char *what, size_t len) {
  int which = pick_object(list, 0, rng), rc = -1;
  const char *objname = which < 0 ? "." : list->name[which];
  hid_t obj = H5Oopen(file, objname, H5P_DEFAULT);
  if (obj < 0) return -1;
  H5O_info_t info;
  if (H5Oget_info2(obj, &info, H5O_INFO_NUM_ATTRS) < 0 || info.num_attrs == 0) {
    /* no attribute here: the root always has some */
    H5Oclose(obj);
    obj = H5Oopen(file, ".", H5P_DEFAULT);
    objname = ".";
    if (obj < 0 || H5Oget_info2(obj, &info, H5O_INFO_NUM_ATTRS) < 0 || info.num_attrs == 0) {
      if (obj >= 0) H5Oclose(obj);
      return -1;
    }
  }
  hsize_t index = below(rng, info.num_attrs);
  char name[256];
  hid_t attr =
      H5Aopen_by_idx(obj, ".", H5_INDEX_NAME, H5_ITER_INC, index, H5P_DEFAULT, H5P_DEFAULT);
  if (attr < 0 || H5Aget_name(attr, sizeof name, name) < 0) {
    if (attr >= 0) H5Aclose(attr);
    H5Oclose(obj);
    return -1;
  }
  hid_t type = H5Aget_type(attr);
  H5T_class_t cls = H5Tget_class(type);
  H5Aclose(attr);
  int choice = (int)below(rng, 4);
  hid_t newtype = -1;
  int rank = 0;
  hsize_t n = 1;
  if (mutation == M_ATTR_VALUE && cls == H5T_INTEGER) {
    static const long long values[] = {-1, 0, 2147483648LL, 4611686018427387904LL};
    long long value = values[choice];
    attr = H5Aopen(obj, name, H5P_DEFAULT);
    rc = attr >= 0 && H5Awrite(attr, H5T_NATIVE_LLONG, &value) >= 0 ? 0 : -1;
    if (attr >= 0) H5Aclose(attr);
    snprintf(what, len, "attribute '%s' of '%s' set to %lld", name, objname, value);
    H5Tclose(type);
    H5Oclose(obj);
    return rc;
  }
  if (mutation == M_DELETE) {
    rc = H5Adelete(obj, name) >= 0 ? 0 : -1;
    snprintf(what, len, "attribute '%s' of '%s' deleted", name, objname);
    H5Tclose(type);
    H5Oclose(obj);
    return rc;
  }
  if (mutation == M_ATTR_TYPE || mutation == M_ATTR_VALUE) {
    if (cls == H5T_STRING)
      newtype = H5Tcopy(choice & 1 ? H5T_STD_I64LE : H5T_IEEE_F64LE);
    else
      newtype = choice & 1
                    ? vlen_string()
                    : (cls == H5T_INTEGER ? H5Tcopy(H5T_IEEE_F64LE) : H5Tcopy(H5T_STD_I64LE));
  } else if (mutation == M_ATTR_RANK) {
    newtype = H5Tcopy(type);
    rank = choice == 0 ? -1 : 1;
    n = 2 + below(rng, 4);
  } else { /* M_ATTR_SIZE */
    newtype = choice == 0   ? fixed_string(1)
              : choice == 1 ? fixed_string(300)
              : choice == 2 ? H5Tcopy(H5T_STD_I8LE)
                            : H5Tcopy(H5T_IEEE_F32LE);
  }
  snprintf(what, len, "attribute '%s' of '%s' replaced (class %d -> %d, rank %d, n %llu)", name,
           objname, (int)cls, (int)H5Tget_class(newtype), rank, (unsigned long long)n);
  if (H5Adelete(obj, name) >= 0) rc = make_attribute(obj, name, newtype, rank, n);
  H5Tclose(newtype);
  H5Tclose(type);
  H5Oclose(obj);
  return rc;
}

static int mutate_dataset(hid_t file, const object_list *list, int mutation, uint64_t *rng,
                          char *what, size_t len) {
  int which = pick_object(list, 1, rng), rc = -1;
  if (which < 0) return -1;
  const char *name = list->name[which];
  if (mutation == M_DELETE) {
    snprintf(what, len, "dataset '%s' deleted", name);
    return H5Ldelete(file, name, H5P_DEFAULT) >= 0 ? 0 : -1;
  }
  hid_t dset = H5Dopen2(file, name, H5P_DEFAULT);
  if (dset < 0) return -1;
  hid_t space = H5Dget_space(dset);
  hsize_t dims[H5S_MAX_RANK], nd[H5S_MAX_RANK];
  int ndims = H5Sget_simple_extent_dims(space, dims, NULL);
  hssize_t n = H5Sget_simple_extent_npoints(space);
  double *values = calloc((size_t)(n > 0 ? n : 1) + 8, sizeof(double));
  hid_t type = H5Dget_type(dset);
  int numeric = H5Tget_class(type) != H5T_STRING;
  if (values && numeric) H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
  H5Tclose(type);
  H5Sclose(space);
  H5Dclose(dset);
  if (ndims < 0 || ndims > 4 || !values) {
    free(values);
    return -1;
  }
  int choice = (int)below(rng, 4), newrank = ndims;
  hid_t newtype = H5Tcopy(H5T_IEEE_F64LE), dcpl = H5Pcreate(H5P_DATASET_CREATE);
  hsize_t maxdims[H5S_MAX_RANK];
  memcpy(nd, dims, sizeof dims);
  int write = 1;
  if (mutation == M_DSET_TYPE) {
    H5Tclose(newtype);
    newtype = choice == 0   ? H5Tcopy(H5T_STD_I32LE)
              : choice == 1 ? H5Tcopy(H5T_IEEE_F32LE)
              : choice == 2 ? H5Tcopy(H5T_STD_I8LE)
                            : fixed_string(8);
    write = choice != 3;
    snprintf(what, len, "dataset '%s' rewritten as type %d", name, choice);
  } else if (mutation == M_DSET_SHAPE) {
    if (choice == 0 && ndims >= 2) {
      nd[0] = dims[1], nd[1] = dims[0];
    } else if (choice == 1) {
      nd[ndims - 1 > 0 ? ndims - 1 : 0] += 1;
    } else if (choice == 2 && ndims >= 1 && dims[ndims - 1] > 0) {
      nd[ndims - 1] -= 1;
    } else if (choice == 3 && ndims < 4) {
      nd[ndims] = 1;
      newrank = ndims + 1;
    } else {
      nd[0] = (hsize_t)(n > 0 ? n : 0);
      newrank = 1;
    }
    if (newrank == 0) newrank = 1, nd[0] = 1;
    snprintf(what, len, "dataset '%s' reshaped (way %d, rank %d -> %d)", name, choice, ndims,
             newrank);
  } else { /* M_DSET_HUGE */
    if (newrank == 0) newrank = 1, nd[0] = 1;
    int shift = 31 + (int)below(rng, 32);
    nd[0] = (hsize_t)1 << shift;
    for (int i = 0; i < newrank; ++i) {
      maxdims[i] = i == 0 ? H5S_UNLIMITED : nd[i];
      if (nd[i] == 0) nd[i] = maxdims[i] = 1;
    }
    hsize_t chunk[H5S_MAX_RANK];
    for (int i = 0; i < newrank; ++i)
      chunk[i] = i == 0 ? 1 : nd[i];
    H5Pset_chunk(dcpl, newrank, chunk);
    write = 0;
    snprintf(what, len, "dataset '%s' re-declared with dims[0] = 2^%d, nothing stored", name,
             shift);
  }
  if (H5Ldelete(file, name, H5P_DEFAULT) >= 0) {
    space = H5Screate_simple(newrank, nd, mutation == M_DSET_HUGE ? maxdims : NULL);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    dset = H5Dcreate2(file, name, newtype, space, lcpl, dcpl, H5P_DEFAULT);
    rc = dset >= 0 ? 0 : -1;
    if (rc == 0 && write) {
      /* the old values, as many as fit (the rest zero) */
      hssize_t m = H5Sget_simple_extent_npoints(space);
      double *buf = calloc((size_t)(m > 0 ? m : 1), sizeof(double));
      if (buf)
        memcpy(buf, values, sizeof(double) * (size_t)((m < n ? m : n) > 0 ? (m < n ? m : n) : 0));
      rc = buf && H5Dwrite(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0 ? 0
                                                                                             : -1;
      free(buf);
    }
    if (dset >= 0) H5Dclose(dset);
    H5Pclose(lcpl);
    H5Sclose(space);
  }
  H5Pclose(dcpl);
  H5Tclose(newtype);
  free(values);
  return rc;
}

static int mutate_hdf5(const blob *seed, int mutation, uint64_t *rng, const char *path, char *what,
                       size_t len) {
  if (save(path, seed->data, seed->size) != 0) return -1;
  H5E_auto2_t func;
  void *data;
  H5Eget_auto2(H5E_DEFAULT, &func, &data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  int rc = -1;
  hid_t file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
  if (file >= 0) {
    object_list list;
    list.count = 0;
    H5Ovisit2(file, H5_INDEX_NAME, H5_ITER_INC, collect, &list, H5O_INFO_BASIC);
    int on_attribute = mutation == M_ATTR_TYPE || mutation == M_ATTR_RANK ||
                       mutation == M_ATTR_SIZE || mutation == M_ATTR_VALUE ||
                       (mutation == M_DELETE && below(rng, 2) == 0);
    rc = on_attribute ? mutate_attribute(file, &list, mutation, rng, what, len)
                      : mutate_dataset(file, &list, mutation, rng, what, len);
    if (H5Fclose(file) < 0) rc = -1;
  }
  H5Eset_auto2(H5E_DEFAULT, func, data);
  return rc;
}

/* ---- the driver ------------------------------------------------------------------------------ */

/* After a reported leak: closes what was left so the next cases are judged alone. */
static void close_all_ids(void) {
  hid_t ids[64];
  ssize_t n = H5Fget_obj_ids(H5F_OBJ_ALL, H5F_OBJ_ALL | H5F_OBJ_LOCAL, 64, ids);
  for (ssize_t i = 0; i < n; ++i) {
    H5I_type_t t = H5Iget_type(ids[i]);
    if (t == H5I_DATASET) H5Dclose(ids[i]);
    if (t == H5I_GROUP) H5Gclose(ids[i]);
    if (t == H5I_DATATYPE) H5Tclose(ids[i]);
    if (t == H5I_ATTR) H5Aclose(ids[i]);
  }
  n = H5Fget_obj_ids(H5F_OBJ_ALL, H5F_OBJ_FILE, 64, ids);
  for (ssize_t i = 0; i < n; ++i)
    H5Fclose(ids[i]);
}

static long env_long(const char *name, long fallback) {
  const char *v = getenv(name);
  return v && *v ? strtol(v, NULL, 10) : fallback;
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  char dir[400], seeds[K_COUNT][600], path[700], reader_path[700], what[300];
  blob seed_data[K_COUNT];
  const long nseeds = env_long("ROMKIT_FUZZ_SEEDS", 1),
             first = env_long("ROMKIT_FUZZ_FIRST_SEED", 1);
  const long reps = env_long("ROMKIT_FUZZ_REPS", 3), only = env_long("ROMKIT_FUZZ_CASE", -1);
  const int verbose = env_long("ROMKIT_FUZZ_VERBOSE", 0) != 0;
  const char *keep = getenv("ROMKIT_FUZZ_KEEP");
  long cases = 0, ok_cases = 0, err_cases = 0, skipped = 0, by_mutation_err[M_COUNT] = {0};
  memset(seed_data, 0, sizeof seed_data);
  if (rom_ctx_size(ctx) != 1) {
    CHECK(0, "fuzz_readers runs on one rank");
    return test_finish(&ctx);
  }
  snprintf(dir, sizeof dir, "%s/fuzz_readers.%ld", test_dir(), (long)getpid());
  mkdir(dir, 0755);
  if (write_seeds(ctx, dir, seeds) != 0) goto done;
  for (int k = 0; k < K_COUNT; ++k) {
    char file0[620];
    snprintf(file0, sizeof file0, "%s%s", seeds[k], k == K_LIBROM ? ".000000" : "");
    CHECK(load(file0, &seed_data[k]) == 0, "cannot load seed '%s'", file0);
    /* every unmutated seed reads */
    CHECK_OK(ctx, read_file(ctx, k, seeds[k]));
  }
  if (test_failed) goto done;

#if defined(__SANITIZE_ADDRESS__)
  __sanitizer_set_death_callback(report_current);
#endif
  signal(SIGSEGV, on_signal);
  signal(SIGBUS, on_signal);
  signal(SIGFPE, on_signal);
  signal(SIGABRT, on_signal);
  signal(SIGALRM, on_signal);
  signal(SIGILL, on_signal);

  const size_t base_bytes = rom_ctx_bytes_in_use(ctx);
  long number = 0;
  for (long seed = first; seed < first + nseeds; ++seed)
    for (int k = 0; k < K_COUNT; ++k)
      for (int mu = 0; mu < M_COUNT; ++mu)
        for (long rep = 0; rep < reps; ++rep, ++number) {
          if (only >= 0 && number != only) continue;
          uint64_t rng =
              ((uint64_t)seed << 40) ^ ((uint64_t)k << 32) ^ ((uint64_t)mu << 24) ^ (uint64_t)rep;
          mix(&rng);
          snprintf(path, sizeof path, "%s/case%s", dir, k == K_LIBROM ? ".000000" : ".h5");
          snprintf(reader_path, sizeof reader_path, "%s/case%s", dir, k == K_LIBROM ? "" : ".h5");
          what[0] = '\0';
          int made = mu <= M_TRUNCATE
                         ? mutate_bytes(&seed_data[k], mu, &rng, path, what, sizeof what)
                         : mutate_hdf5(&seed_data[k], mu, &rng, path, what, sizeof what);
          snprintf(current, sizeof current,
                   "case %ld (ROMKIT_FUZZ_CASE=%ld ROMKIT_FUZZ_FIRST_SEED=%ld "
                   "ROMKIT_FUZZ_SEEDS=%ld ROMKIT_FUZZ_REPS=%ld): reader %s, seed %ld, %s: %s",
                   number, number, first, nseeds, reps, kind_names[k], seed, mutation_names[mu],
                   what);
          if (made != 0) { /* e.g. no dataset of the wanted kind in this file */
            ++skipped;
            continue;
          }
          if (verbose) fprintf(stderr, "%s\n", current);
          if (keep) { /* the corpus for tests/cli/fuzz_info.sh (romkit info on each) */
            blob copy = {NULL, 0};
            char kept[700];
            snprintf(kept, sizeof kept, "%s/case%05ld_%s_%s.h5", keep, number, kind_names[k],
                     mutation_names[mu]);
            if (load(path, &copy) == 0) save(kept, copy.data, copy.size);
            free(copy.data);
          }
          alarm(CASE_SECONDS);
          int rc = read_file(ctx, k, reader_path);
          alarm(0);
          ++cases;
          if (rc == ROM_OK) {
            ++ok_cases;
          } else {
            ++err_cases;
            ++by_mutation_err[mu];
          }
          const char *msg = rom_ctx_last_error(ctx);
          if (rc > 0 || (rc != ROM_OK && (!msg || !msg[0])) ||
              !strcmp(rom_error_name(rc), "ROM_ERR_UNKNOWN"))
            CHECK(0, "%s: returned %d with message '%s'", current, rc, msg ? msg : "");
          if (rom_ctx_bytes_in_use(ctx) != base_bytes)
            CHECK(0, "%s: %zu bytes of romkit memory not given back", current,
                  rom_ctx_bytes_in_use(ctx) - base_bytes);
          /* an identifier left open keeps the file open (and HDF5 from shutting down) */
          ssize_t open_ids = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
          if (open_ids != 0) {
            CHECK(0, "%s: %zd HDF5 identifiers left open (rc %s)", current, open_ids,
                  rom_error_name(rc));
            close_all_ids();
          }
          if (verbose) fprintf(stderr, "  -> %s %s\n", rom_error_name(rc), rc ? msg : "");
        }
  printf("fuzz_readers: %ld cases (%ld read fine, %ld refused with an error; %ld mutations "
         "not applicable), seeds %ld..%ld, %ld per reader and mutation\n",
         cases, ok_cases, err_cases, skipped, first, first + nseeds - 1, reps);
  for (int mu = 0; mu < M_COUNT; ++mu)
    printf("  %-11s %ld refused\n", mutation_names[mu], by_mutation_err[mu]);
  CHECK(cases > 0, "ran some cases");
done:
  for (int k = 0; k < K_COUNT; ++k) {
    free(seed_data[k].data);
    char file0[620];
    snprintf(file0, sizeof file0, "%s%s", seeds[k], k == K_LIBROM ? ".000000" : "");
    remove(file0);
  }
  snprintf(path, sizeof path, "%s/case.h5", dir);
  remove(path);
  snprintf(path, sizeof path, "%s/case.000000", dir);
  remove(path);
  rmdir(dir);
  return test_finish(&ctx);
}
