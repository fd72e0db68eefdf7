/* romkit pod SNAPSHOTS.h5 -o BASIS.h5 [--energy E | --rank K] [--center] [--overwrite]
 *            [--method M] [--memory SIZE] [--target-rank K] [--librom-out BASE]
 * romkit pod --librom-in BASE -o BASIS.h5 [--overwrite]
 * POD basis of a snapshot file (rom_pod_compute, with the SVD method of --method), on any
 * number of ranks; the basis file is written collectively (rom_basis_write), and with
 * --librom-out also as libROM's per-rank files (rom_basis_write_librom). --librom-in
 * converts a libROM basis (rom_basis_read_librom) into a romkit basis file instead. */
#include "cli.h"

#include <string.h>

/* A printf format: %s is the list of SVD methods (the library's table, cli_describe_names). */
static const char *const pod_help =
    "usage: [mpirun -n P] romkit pod SNAPSHOTS.h5 -o BASIS.h5 [--energy E | --rank K]\n"
    "                                [--center] [--overwrite] [--method M] [--memory SIZE]\n"
    "                                [--target-rank K] [--librom-out BASE]\n"
    "       [mpirun -n P] romkit pod --librom-in BASE -o BASIS.h5 [--overwrite]\n\n"
    "POD basis of the snapshot matrix in SNAPSHOTS.h5 (dataset /snapshots {m, N}): the\n"
    "thin SVD of the N x m matrix, distributed over the ranks, truncated to k vectors.\n\n"
    "options:\n"
    "  -o, --output PATH  the basis file to write (kind \"basis\": /basis {k, N},\n"
    "                     /singular_values {r}, /mean {N} with --center)\n"
    "  --energy E         keep the smallest k with sum_{i<k} s_i^2 >= E * sum_i s_i^2,\n"
    "                     E in (0, 1] (default 0.9999)\n"
    "  --rank K           keep k = min(K, min(N, m)) vectors instead (K >= 1)\n"
    "  --center           subtract the mean snapshot first (stored as /mean)\n"
    "  --method M         how the SVD is computed (docs/pod.md):\n"
    "%s"
    "  --memory SIZE      memory budget per rank for the SVD, e.g. 2GiB, 512MiB, 1e9\n"
    "                     (default: no limit); a method that cannot fit fails before\n"
    "                     allocating, saying how much it needs\n"
    "  --target-rank K    singular triplets the randomized / incremental methods compute\n"
    "                     (K >= 1; default: the --rank value, or all)\n"
    "  --librom-out BASE  also write the basis as libROM's per-rank files BASE.000000,\n"
    "                     BASE.000001, ... (spatial_basis, singular_value, ...)\n"
    "  --librom-in BASE   read a libROM basis (BASE.000000, ... written on any number of\n"
    "                     ranks) instead of snapshots, and write it as the romkit basis\n"
    "                     file -o BASIS.h5: the migration path from libROM\n"
    "  --overwrite        replace existing output files (otherwise: error, files untouched)\n"
    "  --json             one JSON object on stdout (N, k, energy, method, singular\n"
    "                     values, seconds); the human line goes to stderr\n"
    "  -h, --help         this text\n\n"
    "Every basis vector's entry of largest magnitude is positive (ties: lowest row).\n"
    "Exit codes: 0 success, 1 failure (the message says why), 2 bad arguments.\n";

/* --librom-in: libROM basis files -> romkit basis file. */
static int pod_from_librom(rom_ctx *ctx, const char *base, const char *output, int overwrite) {
  int rc = CLI_EXIT_OK, err = ROM_OK;
  rom_basis *basis = NULL;
  double t0 = MPI_Wtime();
  if ((err = rom_basis_read_librom(ctx, base, &basis)) != ROM_OK ||
      (err = rom_basis_write(basis, output, overwrite)) != ROM_OK) {
    rc = cli_fail(ctx, "pod", err);
  } else {
    rom_int r = 0;
    const double *sigma = rom_basis_singular_values(basis, &r);
    if (cli_json_mode()) {
      cli_json_begin(ctx);
      cli_json_string(ctx, "command", "pod");
      cli_json_string(ctx, "librom_in", base);
      cli_json_string(ctx, "output", output);
      cli_json_integer(ctx, "N", (long long)rom_basis_global_rows(basis));
      cli_json_integer(ctx, "k", (long long)rom_basis_dim(basis));
      cli_json_numbers(ctx, "singular_values", sigma, (long long)r);
      cli_json_number(ctx, "seconds", MPI_Wtime() - t0);
      cli_json_integer(ctx, "ranks", rom_ctx_size(ctx));
      cli_json_end(ctx);
    }
    cli_printf(ctx,
               "pod: libROM basis %s.* -> %s: N = %lld, k = %lld, %lld singular values, %.3f s "
               "on %d rank%s\n",
               base, output, (long long)rom_basis_global_rows(basis),
               (long long)rom_basis_dim(basis), (long long)r, MPI_Wtime() - t0, rom_ctx_size(ctx),
               rom_ctx_size(ctx) == 1 ? "" : "s");
  }
  rom_basis_destroy(&basis);
  return rc;
}

int cmd_pod(rom_ctx *ctx, int argc, char **argv) {
  const char *input = NULL, *output = NULL, *librom_out = NULL, *librom_in = NULL;
  int have_energy = 0, have_rank = 0, overwrite = 0, rc = CLI_EXIT_OK, err = ROM_OK;
  int have_svd_option = 0;
  rom_pod_options opts = rom_pod_options_default();
  rom_basis *basis = NULL;

  if (cli_wants_help(argc, argv)) {
    char methods[2048];
    cli_printf(ctx, pod_help,
               cli_describe_names(CLI_SVD_METHODS, 23, (int)rom_pod_options_default().method,
                                  methods, sizeof methods));
    return CLI_EXIT_OK;
  }
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    int has_value = i + 1 < argc;
    if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      if (!has_value) return cli_usage_error(ctx, "pod", "%s needs a file name", a);
      output = argv[++i];
    } else if (!strcmp(a, "--energy")) {
      if (!has_value) return cli_usage_error(ctx, "pod", "--energy needs a value in (0, 1]");
      if (cli_parse_double(argv[++i], &opts.energy) != 0)
        return cli_usage_error(ctx, "pod", "--energy '%s' is not a number", argv[i]);
      if (!(opts.energy > 0.0 && opts.energy <= 1.0))
        return cli_usage_error(ctx, "pod", "--energy %s is outside (0, 1]", argv[i]);
      have_energy = 1;
    } else if (!strcmp(a, "--rank")) {
      if (!has_value) return cli_usage_error(ctx, "pod", "--rank needs a whole number >= 1");
      if (cli_parse_int(argv[++i], &opts.rank) != 0)
        return cli_usage_error(ctx, "pod", "--rank '%s' is not a whole number", argv[i]);
      if (opts.rank < 1) return cli_usage_error(ctx, "pod", "--rank %s must be >= 1", argv[i]);
      have_rank = 1;
    } else if (!strcmp(a, "--center")) {
      opts.center = 1;
      have_svd_option = 1;
    } else if (!strcmp(a, "--method")) {
      char known[256];
      cli_list_names(CLI_SVD_METHODS, 0u, 0u, ", ", known, sizeof known);
      if (!has_value) return cli_usage_error(ctx, "pod", "--method needs one of %s", known);
      if (rom_svd_method_from_name(argv[++i], &opts.method) != ROM_OK)
        return cli_usage_error(ctx, "pod", "--method '%s' is not one of %s", argv[i], known);
      have_svd_option = 1;
    } else if (!strcmp(a, "--memory")) {
      if (!has_value) return cli_usage_error(ctx, "pod", "--memory needs a size, e.g. 2GiB");
      if (cli_parse_bytes(argv[++i], &opts.memory_budget) != 0 || !(opts.memory_budget > 0.0))
        return cli_usage_error(ctx, "pod",
                               "--memory '%s' is not a size > 0 (e.g. 2GiB, 512MiB, "
                               "1e9)",
                               argv[i]);
      have_svd_option = 1;
    } else if (!strcmp(a, "--target-rank")) {
      if (!has_value) return cli_usage_error(ctx, "pod", "--target-rank needs a whole number >= 1");
      if (cli_parse_int(argv[++i], &opts.target_rank) != 0 || opts.target_rank < 1)
        return cli_usage_error(ctx, "pod", "--target-rank '%s' is not a whole number >= 1",
                               argv[i]);
      have_svd_option = 1;
    } else if (!strcmp(a, "--librom-out") || !strcmp(a, "--librom-in")) {
      if (!has_value || argv[i + 1][0] == '\0')
        return cli_usage_error(ctx, "pod", "%s needs a base name (files BASE.000000, ...)", a);
      if (a[9] == 'o')
        librom_out = argv[++i];
      else
        librom_in = argv[++i];
    } else if (!strcmp(a, "--overwrite")) {
      overwrite = 1;
    } else if ((rc = cli_take_input(ctx, "pod", NULL, a, &input, "input file")) != CLI_EXIT_OK) {
      return rc;
    }
  }
  if (librom_in) {
    if (input)
      return cli_usage_error(ctx, "pod", "give either a snapshot file or --librom-in, not both");
    if (have_energy || have_rank || have_svd_option || librom_out)
      return cli_usage_error(ctx, "pod",
                             "--librom-in converts a basis: --energy, --rank, "
                             "--center, --method, --memory, --target-rank and --librom-out do "
                             "not apply");
  } else if (!input) {
    return cli_usage_error(ctx, "pod", "missing the snapshot file (SNAPSHOTS.h5)");
  }
  if (!output) return cli_usage_error(ctx, "pod", "missing the output file (-o BASIS.h5)");
  if (have_energy && have_rank)
    return cli_usage_error(ctx, "pod", "give either --energy or --rank, not both");
  if (have_rank) opts.truncation = ROM_POD_TRUNCATE_RANK;

  /* Every output is checked before the work, not after it (directory present and writable
   * on every rank, file absent unless --overwrite; the writers check again). */
  if ((err = rom_output_check(ctx, output, overwrite)) != ROM_OK ||
      (librom_out && (err = rom_basis_check_librom_output(ctx, librom_out, overwrite)) != ROM_OK))
    return cli_fail(ctx, "pod", err);
  if (librom_in) return pod_from_librom(ctx, librom_in, output, overwrite);

  double t0 = MPI_Wtime();
  /* The file-based entry point: it reads the snapshots in core when they fit the budget and
   * streams them through the incremental SVD when they do not (or when --method incremental
   * asks for it). The library logs what 'auto' chose at ROM_LOG_INFO, the CLI's default
   * level (-q or ROMKIT_LOG=0 silence it). */
  err = rom_pod_compute_file(ctx, input, &opts, &basis);
  if (err != ROM_OK) {
    rc = cli_fail(ctx, "pod", err);
    goto done;
  }
  double t2 = MPI_Wtime();
  /* All outputs or none: the files are held under their temporary names until every one
   * is written, then published together (romkit/output.h). */
  if ((err = rom_outputs_hold(ctx)) != ROM_OK ||
      (err = rom_basis_write(basis, output, overwrite)) != ROM_OK ||
      (librom_out && (err = rom_basis_write_librom(basis, librom_out, overwrite)) != ROM_OK) ||
      (err = rom_outputs_publish(ctx)) != ROM_OK) {
    rom_outputs_discard(ctx);
    rc = cli_fail(ctx, "pod", err);
    goto done;
  }
  double t3 = MPI_Wtime();
  rom_int computed = 0;
  const double *sigma = rom_basis_singular_values(basis, &computed);
  if (cli_json_mode()) {
    cli_json_begin(ctx);
    cli_json_string(ctx, "command", "pod");
    cli_json_string(ctx, "input", input);
    cli_json_string(ctx, "output", output);
    if (librom_out) cli_json_string(ctx, "librom_out", librom_out);
    cli_json_integer(ctx, "N", (long long)rom_basis_global_rows(basis));
    cli_json_integer(ctx, "k", (long long)rom_basis_dim(basis));
    cli_json_number(ctx, "energy", rom_basis_energy(basis));
    cli_json_string(ctx, "method", rom_basis_method(basis));
    cli_json_numbers(ctx, "singular_values", sigma, (long long)computed);
    cli_json_number(ctx, "seconds", t3 - t0);
    cli_json_number(ctx, "read_pod_seconds", t2 - t0);
    cli_json_number(ctx, "write_seconds", t3 - t2);
    cli_json_integer(ctx, "ranks", rom_ctx_size(ctx));
    cli_json_end(ctx);
  }
  cli_printf(ctx,
             "pod: N = %lld, k = %lld, energy captured %.10f (of ||S||_F^2; %lld singular "
             "values computed), method %s, %.3f s (read + POD %.3f, write %.3f) on %d rank%s -> "
             "%s%s%s%s\n",
             (long long)rom_basis_global_rows(basis), (long long)rom_basis_dim(basis),
             rom_basis_energy(basis), (long long)computed, rom_basis_method(basis), t3 - t0,
             t2 - t0, t3 - t2, rom_ctx_size(ctx), rom_ctx_size(ctx) == 1 ? "" : "s", output,
             librom_out ? " and libROM files " : "", librom_out ? librom_out : "",
             librom_out ? ".*" : "");
done:
  rom_basis_destroy(&basis);
  return rc;
}
