/* romkit info FILE.h5 — what a romkit HDF5 file holds: its root attributes, every
 * dataset with its dims, and for files with /singular_values the spectrum and how many
 * modes capture 90% ... 99.9999% of the energy.
 *
 * Reading is done by rank 0 alone, serially (HDF5's default file driver): the file is
 * small metadata plus at most one short vector, and a serial open also works on files
 * that parallel HDF5 would refuse. Other ranks wait for the exit code. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define INFO_MAX_SHOWN 8

static const char *const known_attributes[] = {"format",         "kind",    "format_version",
                                               "romkit_version", "created", "ranks"};

static void print_usage(void) {
  printf("usage: romkit info FILE.h5 [--json]\n\n"
         "Prints what a romkit HDF5 file holds: kind, format version, the romkit version and\n"
         "date that wrote it, every root attribute, every dataset with its dims, and for a\n"
         "file with /singular_values the number of modes that capture 90%%, 99%%, 99.99%%\n"
         "and 99.9999%% of the energy (sum of sigma^2). With --json: one JSON object on\n"
         "stdout (file, kind, format_version, datasets with dims and types, singular values\n"
         "and modes per energy fraction), the text on stderr.\n\n"
         "Runs on rank 0 only. Exit codes: 0 success, 1 missing, unreadable or non-romkit\n"
         "file, 2 bad arguments.\n");
}

/* ---- attribute values -------------------------------------------------------------------- */

/* Attributes come from a file that may be damaged or hostile: every value is read only
 * after its type class, its number of values (a scalar, or a simple dataspace) and its
 * size are known, into a buffer sized from them. */
#define INFO_MAX_VALUES ((hssize_t)1 << 20) /* attributes live in object headers: small */
#define INFO_MAX_STRING ((size_t)1 << 20)

static void print_string_attribute(hid_t attr, hid_t type) {
  if (H5Tis_variable_str(type) > 0) {
    char *text = NULL;
    if (H5Aread(attr, type, &text) >= 0 && text) printf("%s", text);
    if (text) H5free_memory(text);
    return;
  }
  size_t size = H5Tget_size(type);
  if (size == 0 || size > INFO_MAX_STRING) {
    printf("(a %zu-byte string)", size);
    return;
  }
  char *text = calloc(size + 1, 1);
  if (text && H5Aread(attr, type, text) >= 0) printf("%.*s", (int)size, text);
  free(text);
}

static void print_numbers(const double *values, hssize_t count, int integer) {
  if (count != 1) printf("[");
  for (hssize_t i = 0; i < count && i < INFO_MAX_SHOWN; ++i)
    printf(integer ? "%s%.0f" : "%s%.10g", i ? ", " : "", values[i]);
  if (count > INFO_MAX_SHOWN) printf(", ... (%lld values)", (long long)count);
  if (count != 1) printf("]");
}

/* The number of values of an attribute's dataspace (scalar: 1), or -1 if it is not a
 * scalar or simple dataspace HDF5 can count. */
static hssize_t attribute_count(hid_t attr) {
  hid_t space = H5Aget_space(attr);
  if (space < 0) return -1;
  H5S_class_t sc = H5Sget_simple_extent_type(space);
  hssize_t count =
      (sc == H5S_SCALAR || sc == H5S_SIMPLE) ? H5Sget_simple_extent_npoints(space) : -1;
  H5Sclose(space);
  return count;
}

static void print_attribute_value(hid_t attr) {
  hid_t type = H5Aget_type(attr);
  hssize_t count = attribute_count(attr);
  H5T_class_t cls = type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS;
  if (type < 0 || count < 0) {
    printf("(unreadable)");
  } else if (cls == H5T_STRING && count == 1) {
    print_string_attribute(attr, type);
  } else if ((cls == H5T_INTEGER || cls == H5T_FLOAT) && count <= INFO_MAX_VALUES) {
    double *values = calloc((size_t)count + 1, sizeof(double));
    if (values && H5Aread(attr, H5T_NATIVE_DOUBLE, values) >= 0)
      print_numbers(values, count, cls == H5T_INTEGER);
    else
      printf("(unreadable)");
    free(values);
  } else {
    printf("(%lld values of HDF5 type class %d)", (long long)count, (int)cls);
  }
  if (type >= 0) H5Tclose(type);
}

static herr_t print_other_attribute(hid_t loc, const char *name, const H5A_info_t *info,
                                    void *data) {
  (void)info;
  (void)data;
  for (size_t i = 0; i < sizeof known_attributes / sizeof known_attributes[0]; ++i)
    if (!strcmp(name, known_attributes[i])) return 0;
  hid_t attr = H5Aopen(loc, name, H5P_DEFAULT);
  if (attr < 0) return 0;
  printf("  %-16s ", name);
  print_attribute_value(attr);
  printf("\n");
  H5Aclose(attr);
  return 0;
}

static void print_attributes(hid_t file) {
  for (size_t i = 1; i < sizeof known_attributes / sizeof known_attributes[0]; ++i) {
    const char *name = known_attributes[i];
    printf("%-16s ", name);
    if (H5Aexists(file, name) > 0) {
      hid_t attr = H5Aopen(file, name, H5P_DEFAULT);
      print_attribute_value(attr);
      H5Aclose(attr);
    } else {
      printf("(missing)");
    }
    printf("\n");
  }
  printf("attributes:\n");
  hsize_t index = 0;
  H5Aiterate2(file, H5_INDEX_NAME, H5_ITER_INC, &index, print_other_attribute, NULL);
}

/* ---- datasets ---------------------------------------------------------------------------- */

static const char *type_name(hid_t type, char buf[32]) {
  size_t bits = 8 * H5Tget_size(type);
  switch (H5Tget_class(type)) {
  case H5T_FLOAT:
    snprintf(buf, 32, "float%zu", bits);
    break;
  case H5T_INTEGER:
    snprintf(buf, 32, "%sint%zu", H5Tget_sign(type) == H5T_SGN_NONE ? "u" : "", bits);
    break;
  case H5T_STRING:
    snprintf(buf, 32, "string");
    break;
  default:
    snprintf(buf, 32, "other");
    break;
  }
  return buf;
}

/* data: an int set to 1 when an object cannot be opened (a damaged file). */
static herr_t print_dataset(hid_t group, const char *name, const H5L_info_t *info, void *data) {
  (void)info;
  hid_t object = H5Oopen(group, name, H5P_DEFAULT);
  if (object < 0) {
    *(int *)data = 1;
    return 0;
  }
  if (H5Iget_type(object) == H5I_DATASET) {
    hid_t space = H5Dget_space(object), type = H5Dget_type(object);
    hsize_t dims[H5S_MAX_RANK];
    int ndims = H5Sget_simple_extent_dims(space, dims, NULL);
    char buf[32];
    printf("  /%-24s {", name);
    for (int i = 0; i < ndims; ++i)
      printf("%s%llu", i ? ", " : "", (unsigned long long)dims[i]);
    printf("} %s\n", type_name(type, buf));
    H5Sclose(space);
    H5Tclose(type);
  }
  H5Oclose(object);
  return 0;
}

/* ---- singular values --------------------------------------------------------------------- */

/* The smallest k with sum_{i<k} sigma_i^2 >= fraction * sum_i sigma_i^2. */
static size_t modes_for(const double *sigma, size_t r, double fraction) {
  double total = 0.0, partial = 0.0;
  for (size_t i = 0; i < r; ++i)
    total += sigma[i] * sigma[i];
  for (size_t k = 0; k < r; ++k) {
    partial += sigma[k] * sigma[k];
    if (partial >= fraction * total) return k + 1;
  }
  return r;
}

/* A damaged file can declare any number of values: read only what is stored (numbers of
 * at most 16 bytes each, all present when uncompressed), and at most 2^26 of them. */
static int plausible_count(hid_t dset, hssize_t count) {
  hid_t type = H5Dget_type(dset), dcpl = H5Dget_create_plist(dset);
  H5T_class_t cls = type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS;
  size_t size = type >= 0 ? H5Tget_size(type) : 0;
  int filters = dcpl >= 0 ? H5Pget_nfilters(dcpl) : -1;
  int ok = (cls == H5T_FLOAT || cls == H5T_INTEGER) && size >= 1 && size <= 16 && filters >= 0 &&
           count <= ((hssize_t)1 << 26) &&
           (filters > 0 || (hsize_t)count * size <= H5Dget_storage_size(dset));
  if (type >= 0) H5Tclose(type);
  if (dcpl >= 0) H5Pclose(dcpl);
  return ok;
}

/* kind "dmd": the eigenvalues of the DMD at `prefix` ("" or a window group), discrete and
 * continuous-time (docs/dmd.md), the first INFO_MAX_SHOWN of them. */
static void print_dmd_part(hid_t file, const char *prefix) {
  char name[128];
  snprintf(name, sizeof name, "%s/omegas", prefix[0] ? prefix : "");
  if (H5Lexists(file, name[0] == '/' ? name + 1 : name, H5P_DEFAULT) <= 0) return;
  hid_t dom = H5Dopen2(file, name, H5P_DEFAULT);
  snprintf(name, sizeof name, "%s/eigenvalues", prefix);
  hid_t dla = H5Dopen2(file, name, H5P_DEFAULT);
  hid_t space = dom >= 0 ? H5Dget_space(dom) : -1;
  hssize_t n = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
  hid_t lspace = dla >= 0 ? H5Dget_space(dla) : -1;
  hssize_t nl = lspace >= 0 ? H5Sget_simple_extent_npoints(lspace) : -1;
  if (lspace >= 0) H5Sclose(lspace);
  /* a damaged file can declare any sizes: both arrays must hold the same stored numbers */
  int ok = n > 0 && nl == n && plausible_count(dom, n) && plausible_count(dla, n);
  double *om = ok ? calloc((size_t)n, sizeof(double)) : NULL;
  double *la = ok ? calloc((size_t)n, sizeof(double)) : NULL;
  if (om && la && dla >= 0 &&
      H5Dread(dom, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, om) >= 0 &&
      H5Dread(dla, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, la) >= 0) {
    hssize_t r = n / 2;
    printf("DMD eigenvalues%s%s: %lld (lambda, |lambda|, omega = log(lambda)/dt)\n",
           prefix[0] ? " of " : "", prefix[0] ? prefix + 1 : "", (long long)r);
    for (hssize_t i = 0; i < r && i < INFO_MAX_SHOWN; ++i)
      printf("  %2lld  %+.6f %+.6fi  |%.6f|  %+.6g %+.6gi\n", (long long)i, la[2 * i],
             la[2 * i + 1], hypot(la[2 * i], la[2 * i + 1]), om[2 * i], om[2 * i + 1]);
    if (r > INFO_MAX_SHOWN) printf("  ... (%lld more)\n", (long long)(r - INFO_MAX_SHOWN));
  }
  free(om);
  free(la);
  if (space >= 0) H5Sclose(space);
  if (dom >= 0) H5Dclose(dom);
  if (dla >= 0) H5Dclose(dla);
}

static void print_dmd(hid_t file, const char *kind) {
  if (strcmp(kind, "dmd") != 0) return;
  print_dmd_part(file, "");
  for (int k = 0; k < 1000000; ++k) {
    char group[32];
    snprintf(group, sizeof group, "window_%06d", k);
    if (H5Lexists(file, group, H5P_DEFAULT) <= 0) break;
    snprintf(group, sizeof group, "/window_%06d", k);
    print_dmd_part(file, group);
  }
}

static void print_spectrum(hid_t file) {
  if (H5Lexists(file, "singular_values", H5P_DEFAULT) <= 0) return;
  hid_t dset = H5Dopen2(file, "singular_values", H5P_DEFAULT);
  hid_t space = dset >= 0 ? H5Dget_space(dset) : -1;
  hssize_t r = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
  if (r > 0 && !plausible_count(dset, r)) {
    printf("singular values: %lld declared, more than the file stores\n", (long long)r);
    r = -1;
  }
  double *sigma = r > 0 ? calloc((size_t)r, sizeof(double)) : NULL;
  if (sigma && H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, sigma) >= 0) {
    size_t n = (size_t)r;
    printf("singular values: %zu, first", n);
    for (size_t i = 0; i < n && i < 5; ++i)
      printf(" %.6g", sigma[i]);
    printf("%s, last %.6g\n", n > 5 ? " ..." : "", sigma[n - 1]);
    printf("modes for energy (sum of sigma^2): 90%% -> %zu, 99%% -> %zu, 99.99%% -> %zu, "
           "99.9999%% -> %zu\n",
           modes_for(sigma, n, 0.90), modes_for(sigma, n, 0.99), modes_for(sigma, n, 0.9999),
           modes_for(sigma, n, 0.999999));
  } else if (r == 0) {
    printf("singular values: 0\n");
  }
  free(sigma);
  if (space >= 0) H5Sclose(space);
  if (dset >= 0) H5Dclose(dset);
}

/* ---- the command ------------------------------------------------------------------------- */

/* ---- JSON (--json) ------------------------------------------------------------------------ */

static rom_ctx *json_ctx; /* the context of the JSON writer, for the HDF5 visit callback */

static herr_t json_dataset(hid_t group, const char *name, const H5L_info_t *info, void *data) {
  (void)info;
  (void)data;
  hid_t object = H5Oopen(group, name, H5P_DEFAULT);
  if (object < 0) return 0;
  if (H5Iget_type(object) == H5I_DATASET) {
    hid_t space = H5Dget_space(object), type = H5Dget_type(object);
    hsize_t dims[H5S_MAX_RANK];
    double d[H5S_MAX_RANK];
    int ndims = H5Sget_simple_extent_dims(space, dims, NULL);
    char buf[32];
    for (int i = 0; i < ndims; ++i)
      d[i] = (double)dims[i];
    cli_json_object(json_ctx, NULL);
    cli_json_string(json_ctx, "name", name);
    cli_json_numbers(json_ctx, "dims", d, ndims > 0 ? ndims : 0);
    cli_json_string(json_ctx, "type", type_name(type, buf));
    cli_json_end(json_ctx);
    H5Sclose(space);
    H5Tclose(type);
  }
  H5Oclose(object);
  return 0;
}

/* The file as one JSON object: path, kind, format_version, the datasets with their dims
 * and types, and for /singular_values the count and the modes per energy fraction. */
static void describe_json(rom_ctx *ctx, hid_t file, const char *path, const char *kind,
                          long long version) {
  json_ctx = ctx;
  cli_json_begin(ctx);
  cli_json_string(ctx, "command", "info");
  cli_json_string(ctx, "file", path);
  cli_json_string(ctx, "kind", kind);
  cli_json_integer(ctx, "format_version", version);
  cli_json_array(ctx, "datasets");
  H5Lvisit(file, H5_INDEX_NAME, H5_ITER_INC, json_dataset, NULL);
  cli_json_end(ctx);
  if (H5Lexists(file, "singular_values", H5P_DEFAULT) > 0) {
    hid_t dset = H5Dopen2(file, "singular_values", H5P_DEFAULT);
    hid_t space = dset >= 0 ? H5Dget_space(dset) : -1;
    hssize_t r = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    double *sigma = r > 0 && plausible_count(dset, r) ? calloc((size_t)r, sizeof(double)) : NULL;
    if (sigma && H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, sigma) >= 0) {
      static const double fractions[] = {0.90, 0.99, 0.9999, 0.999999};
      cli_json_numbers(ctx, "singular_values", sigma, (long long)r);
      cli_json_object(ctx, "modes_for_energy");
      for (int i = 0; i < 4; ++i) {
        char key[16];
        snprintf(key, sizeof key, "%g", fractions[i]);
        cli_json_integer(ctx, key, (long long)modes_for(sigma, (size_t)r, fractions[i]));
      }
      cli_json_end(ctx);
    }
    free(sigma);
    if (space >= 0) H5Sclose(space);
    if (dset >= 0) H5Dclose(dset);
  }
  cli_json_end(ctx);
}

/* -1 when missing, not one integer or unreadable. */
static long long format_version(hid_t file) {
  long long version = -1;
  if (H5Aexists(file, "format_version") <= 0) return -1;
  hid_t attr = H5Aopen(file, "format_version", H5P_DEFAULT);
  hid_t type = attr >= 0 ? H5Aget_type(attr) : -1;
  if (type >= 0 && H5Tget_class(type) == H5T_INTEGER && attribute_count(attr) == 1 &&
      H5Aread(attr, H5T_NATIVE_LLONG, &version) < 0)
    version = -1;
  if (type >= 0) H5Tclose(type);
  if (attr >= 0) H5Aclose(attr);
  return version;
}

/* The root attribute kind (one variable- or fixed-length string) into buf; "" if missing
 * or of another shape. */
static void read_kind(hid_t file, char *buf, size_t len) {
  buf[0] = '\0';
  if (H5Aexists(file, "kind") <= 0) return;
  hid_t attr = H5Aopen(file, "kind", H5P_DEFAULT);
  hid_t type = attr >= 0 ? H5Aget_type(attr) : -1;
  if (type >= 0 && H5Tget_class(type) == H5T_STRING && attribute_count(attr) == 1) {
    if (H5Tis_variable_str(type) > 0) {
      char *text = NULL;
      if (H5Aread(attr, type, &text) >= 0 && text) snprintf(buf, len, "%s", text);
      if (text) H5free_memory(text);
    } else if (H5Tget_size(type) < len) {
      memset(buf, 0, len);
      if (H5Aread(attr, type, buf) < 0) buf[0] = '\0';
      buf[len - 1] = '\0';
    }
  }
  if (type >= 0) H5Tclose(type);
  if (attr >= 0) H5Aclose(attr);
}

/* Rank 0: returns the exit code. */
static int describe(rom_ctx *ctx, const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) {
    fprintf(stderr, "romkit info: error: cannot open '%s': no such file\n", path);
    return CLI_EXIT_FAILURE;
  }
  /* Only regular files: opening a FIFO or a device would block or never end. */
  if (!S_ISREG(st.st_mode) || H5Fis_hdf5(path) <= 0) {
    fprintf(stderr, "romkit info: error: cannot open '%s': %s\n", path,
            S_ISDIR(st.st_mode)    ? "it is a directory"
            : !S_ISREG(st.st_mode) ? "not a regular file (a FIFO, socket or device)"
                                   : "not an HDF5 file");
    return CLI_EXIT_FAILURE;
  }
  hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) {
    fprintf(stderr,
            "romkit info: error: cannot open '%s': permission denied, or HDF5 cannot read it "
            "(a damaged or truncated file)\n",
            path);
    return CLI_EXIT_FAILURE;
  }
  int romkit = H5Aexists(file, "format") > 0;
  long long version = format_version(file);
  char kind[128];
  read_kind(file, kind, sizeof kind);
  printf("file             %s\n", path);
  print_attributes(file);
  printf("datasets:\n");
  int damaged = 0;
  if (H5Lvisit(file, H5_INDEX_NAME, H5_ITER_INC, print_dataset, &damaged) < 0) damaged = 1;
  print_spectrum(file);
  print_dmd(file, kind);
  H5Fclose(file);
  fflush(stdout);
  if (damaged) {
    fprintf(stderr,
            "romkit info: error: '%s' is damaged: HDF5 cannot read all its groups and "
            "datasets\n",
            path);
    return CLI_EXIT_FAILURE;
  }
  if (!romkit) {
    fprintf(stderr, "romkit info: '%s' is not a romkit file (no 'format' attribute)\n", path);
    return CLI_EXIT_FAILURE;
  }
  if (!kind[0]) {
    fprintf(stderr, "romkit info: '%s' has no valid 'kind' attribute (one string)\n", path);
    return CLI_EXIT_FAILURE;
  }
  if (version < 1 || version > rom_format_version(kind)) { /* older versions of a kind read */
    fprintf(stderr, "romkit info: '%s' has format_version %lld, this romkit reads 1", path,
            version);
    if (rom_format_version(kind) > 1) fprintf(stderr, " to %d", rom_format_version(kind));
    fprintf(stderr, "\n");
    return CLI_EXIT_FAILURE;
  }
  if (cli_json_mode()) {
    file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) return CLI_EXIT_FAILURE;
    describe_json(ctx, file, path, kind, version);
    H5Fclose(file);
  }
  return CLI_EXIT_OK;
}

int cmd_info(rom_ctx *ctx, int argc, char **argv) {
  if (cli_wants_help(argc, argv)) {
    if (rom_ctx_rank(ctx) == 0) print_usage();
    return CLI_EXIT_OK;
  }
  if (argc != 2) return cli_usage_error(ctx, "info", "expected one file name, got %d", argc - 1);
  if (argv[1][0] == '-') return cli_usage_error(ctx, "info", "unknown option '%s'", argv[1]);
  int code = CLI_EXIT_OK;
  /* regular, the same on every rank, global heaps intact: before HDF5 touches it */
  if (rom_file_check(ctx, argv[1]) != ROM_OK) { /* one line, like describe's own errors */
    if (rom_ctx_rank(ctx) == 0)
      fprintf(stderr, "romkit info: error: %s\n", rom_ctx_last_error_sentence(ctx));
    return CLI_EXIT_FAILURE;
  }
  if (rom_ctx_rank(ctx) == 0) {
    H5E_auto2_t func = NULL;
    void *data = NULL;
    H5Eget_auto2(H5E_DEFAULT, &func, &data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* our sentences, not HDF5's error stack */
    code = describe(ctx, argv[1]);
    H5Eset_auto2(H5E_DEFAULT, func, data);
  }
  MPI_Bcast(&code, 1, MPI_INT, 0, rom_ctx_comm(ctx));
  return code;
}
