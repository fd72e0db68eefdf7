/* romkit pod SNAPSHOTS.h5 -o BASIS.h5 [--energy E | --rank K] [--center] [--overwrite]
 * POD basis of a snapshot file by distributed TSQR + SVD (rom_pod_compute), on any number
 * of ranks; the basis file is written collectively (rom_basis_write). */
#include "cli.h"

#include <string.h>
#include <unistd.h>

static const char *const pod_help =
    "usage: [mpirun -n P] romkit pod SNAPSHOTS.h5 -o BASIS.h5 [--energy E | --rank K]\n"
    "                                [--center] [--overwrite]\n\n"
    "POD basis of the snapshot matrix in SNAPSHOTS.h5 (dataset /snapshots {m, N}) by TSQR:\n"
    "local QR on each rank, QR of the R factors up a binary tree, SVD of the final R, and\n"
    "the basis formed back down the tree. Runs on any number of ranks.\n\n"
    "options:\n"
    "  -o, --output PATH  the basis file to write (kind \"basis\": /basis {k, N},\n"
    "                     /singular_values {r}, /mean {N} with --center)\n"
    "  --energy E         keep the smallest k with sum_{i<k} s_i^2 >= E * sum_i s_i^2,\n"
    "                     E in (0, 1] (default 0.9999)\n"
    "  --rank K           keep k = min(K, min(N, m)) vectors instead (K >= 1)\n"
    "  --center           subtract the mean snapshot first (stored as /mean)\n"
    "  --overwrite        replace BASIS.h5 if it exists (otherwise: error, file untouched)\n"
    "  -h, --help         this text\n\n"
    "Every basis vector's entry of largest magnitude is positive (ties: lowest row).\n"
    "Exit codes: 0 success, 1 failure (the message says why), 2 bad arguments.\n";

int cmd_pod(rom_ctx *ctx, int argc, char **argv) {
  const char *input = NULL, *output = NULL;
  int have_energy = 0, have_rank = 0, overwrite = 0, rc = CLI_EXIT_OK, err = ROM_OK;
  rom_pod_options opts = rom_pod_options_default();
  rom_dmat *S = NULL;
  rom_basis *basis = NULL;

  if (cli_wants_help(argc, argv)) {
    cli_printf(ctx, "%s", pod_help);
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
    } else if (!strcmp(a, "--overwrite")) {
      overwrite = 1;
    } else if (a[0] == '-' && a[1] != '\0') {
      return cli_usage_error(ctx, "pod", "unknown option '%s'", a);
    } else if (!input) {
      input = a;
    } else {
      return cli_usage_error(ctx, "pod", "more than one input file ('%s' and '%s')", input, a);
    }
  }
  if (!input) return cli_usage_error(ctx, "pod", "missing the snapshot file (SNAPSHOTS.h5)");
  if (!output) return cli_usage_error(ctx, "pod", "missing the output file (-o BASIS.h5)");
  if (have_energy && have_rank)
    return cli_usage_error(ctx, "pod", "give either --energy or --rank, not both");
  if (have_rank) opts.truncation = ROM_POD_TRUNCATE_RANK;

  /* Refuse an existing output before the work, not after it (rom_basis_write checks again). */
  if (!overwrite) {
    int exists = rom_ctx_rank(ctx) == 0 ? access(output, F_OK) == 0 : 0;
    MPI_Bcast(&exists, 1, MPI_INT, 0, rom_ctx_comm(ctx));
    if (exists) {
      if (rom_ctx_rank(ctx) == 0)
        fprintf(stderr, "romkit pod: error: '%s': %s\n", output, rom_strerror(ROM_ERR_EXISTS));
      return CLI_EXIT_FAILURE;
    }
  }

  double t0 = MPI_Wtime();
  if ((err = rom_snapshots_read(ctx, input, ROM_AUTO_ROWS, &S)) != ROM_OK) {
    rc = cli_fail(ctx, "pod", err);
    goto done;
  }
  double t1 = MPI_Wtime();
  if ((err = rom_pod_compute(S, &opts, &basis)) != ROM_OK) {
    rc = cli_fail(ctx, "pod", err);
    goto done;
  }
  double t2 = MPI_Wtime();
  if ((err = rom_basis_write(basis, output, overwrite)) != ROM_OK) {
    rc = cli_fail(ctx, "pod", err);
    goto done;
  }
  double t3 = MPI_Wtime();
  cli_printf(ctx,
             "pod: N = %lld, m = %lld, k = %lld, energy captured %.10f, %.3f s (read %.3f, POD "
             "%.3f, write %.3f) on %d rank%s -> %s\n",
             (long long)rom_dmat_global_rows(S), (long long)rom_dmat_cols(S),
             (long long)rom_basis_dim(basis), rom_basis_energy(basis), t3 - t0, t1 - t0, t2 - t1,
             t3 - t2, rom_ctx_size(ctx), rom_ctx_size(ctx) == 1 ? "" : "s", output);
done:
  rom_basis_destroy(&basis);
  rom_dmat_destroy(&S);
  return rc;
}
