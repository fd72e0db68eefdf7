/* romkit hyper RESIDUAL_BASIS.h5 -o HR.h5 --method {deim,qdeim,gnat,sopt,deim-os} --samples ns
 *              [--basis-dim nb] [--overwrite]
 * Sample selection on a residual basis file, in parallel on any number of ranks
 * (rom_hyper_create without a model), and the model-independent hyper-reduction data
 * written as a kind "hyper" file. The sample mesh and the state basis rows need the host
 * model's stencils: a host completes the file's object with rom_hyper_attach. */
#include "cli.h"

#include <string.h>
#include <unistd.h>

static const char *const hyper_help =
    "usage: [mpirun -n P] romkit hyper RESIDUAL_BASIS.h5 -o HR.h5 --method M --samples NS\n"
    "                                  [--basis-dim NB] [--overwrite]\n\n"
    "Selects NS sample rows of the first NB vectors of the residual basis in\n"
    "RESIDUAL_BASIS.h5 (a kind \"basis\" file, e.g. from `romkit pod`) and writes the\n"
    "gappy-POD data: /sample_rows, /residual_basis_rows = P^T Phi_r and /gappy_pinv =\n"
    "(P^T Phi_r)^+ (kind \"hyper\", docs/file-format.md). Runs on any number of ranks; the\n"
    "samples do not depend on the rank count.\n\n"
    "options:\n"
    "  -o, --output PATH  the hyper-reduction file to write\n"
    "  --method M         deim   greedy on the interpolation residual (NS = NB)\n"
    "                     qdeim  pivoted QR of Phi_r^T (NS = NB)\n"
    "                     gnat   oversampled greedy on the gappy residual (NS >= NB;\n"
    "                            the default)\n"
    "                     sopt   greedy S-optimality (NS >= NB)\n"
    "                     deim-os  oversampled DEIM of the authors' code of Kim et al.,\n"
    "                            J. Comput. Phys. 451 (2022), github.com/LLNL/NM-ROM:\n"
    "                            the first vector gets NS/NB + (NS mod NB) rows, each\n"
    "                            later vector NS/NB rows (NS >= NB)\n"
    "  --samples NS       number of sample rows (default NB)\n"
    "  --basis-dim NB     residual basis vectors used (default: all in the file)\n"
    "  --overwrite        replace HR.h5 if it exists (otherwise: error, file untouched)\n"
    "  -h, --help         this text\n\n"
    "The file holds the model-independent part only (state_dim = 0): the sample mesh (the\n"
    "union of the samples' stencils) and the state basis rows there need the host model.\n"
    "In C: rom_hyper_read, then rom_hyper_attach(hr, model, state_basis, u_ref) and\n"
    "rom_hyper_write; or rom_hyper_create with the model does everything at once.\n"
    "Exit codes: 0 success, 1 failure (the message says why), 2 bad arguments.\n";

int cmd_hyper(rom_ctx *ctx, int argc, char **argv) {
  const char *input = NULL, *output = NULL;
  int overwrite = 0, rc = CLI_EXIT_OK, err = ROM_OK;
  rom_hyper_options opts = rom_hyper_options_default();
  rom_basis *basis = NULL;
  rom_hyper *hr = NULL;

  if (cli_wants_help(argc, argv)) {
    cli_printf(ctx, "%s", hyper_help);
    return CLI_EXIT_OK;
  }
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    int has_value = i + 1 < argc;
    if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      if (!has_value) return cli_usage_error(ctx, "hyper", "%s needs a file name", a);
      output = argv[++i];
    } else if (!strcmp(a, "--method")) {
      if (!has_value)
        return cli_usage_error(ctx, "hyper",
                               "--method needs one of deim, qdeim, gnat, sopt, deim-os");
      if (rom_hyper_method_from_name(argv[++i], &opts.method) != ROM_OK)
        return cli_usage_error(
            ctx, "hyper", "--method '%s' is not one of deim, qdeim, gnat, sopt, deim-os", argv[i]);
    } else if (!strcmp(a, "--samples")) {
      if (!has_value) return cli_usage_error(ctx, "hyper", "--samples needs a whole number >= 1");
      if (cli_parse_int(argv[++i], &opts.num_samples) != 0 || opts.num_samples < 1)
        return cli_usage_error(ctx, "hyper", "--samples '%s' is not a whole number >= 1", argv[i]);
    } else if (!strcmp(a, "--basis-dim")) {
      if (!has_value) return cli_usage_error(ctx, "hyper", "--basis-dim needs a whole number >= 1");
      if (cli_parse_int(argv[++i], &opts.residual_dim) != 0 || opts.residual_dim < 1)
        return cli_usage_error(ctx, "hyper", "--basis-dim '%s' is not a whole number >= 1",
                               argv[i]);
    } else if (!strcmp(a, "--overwrite")) {
      overwrite = 1;
    } else if (a[0] == '-' && a[1] != '\0') {
      return cli_usage_error(ctx, "hyper", "unknown option '%s'", a);
    } else if (!input) {
      input = a;
    } else {
      return cli_usage_error(ctx, "hyper", "more than one input file ('%s' and '%s')", input, a);
    }
  }
  if (!input)
    return cli_usage_error(ctx, "hyper", "missing the residual basis file (RESIDUAL_BASIS.h5)");
  if (!output) return cli_usage_error(ctx, "hyper", "missing the output file (-o HR.h5)");

  if (!overwrite) {
    int exists = rom_ctx_rank(ctx) == 0 ? access(output, F_OK) == 0 : 0;
    MPI_Bcast(&exists, 1, MPI_INT, 0, rom_ctx_comm(ctx));
    if (exists) {
      if (rom_ctx_rank(ctx) == 0) {
        fprintf(stderr, "romkit hyper: error: '%s': %s\n", output, rom_strerror(ROM_ERR_EXISTS));
        fprintf(stderr, "romkit hyper: pass --overwrite to replace it\n");
      }
      return CLI_EXIT_FAILURE;
    }
  }
  double t0 = MPI_Wtime();
  if ((err = rom_basis_read(ctx, input, ROM_AUTO_ROWS, &basis)) != ROM_OK) {
    rc = cli_fail(ctx, "hyper", err);
    goto done;
  }
  /* Argument errors that depend on the file's dimensions are usage errors too. */
  {
    const rom_int nbasis = rom_basis_dim(basis), N = rom_basis_global_rows(basis);
    const rom_int nb = opts.residual_dim > 0 ? opts.residual_dim : nbasis;
    const rom_int ns = opts.num_samples > 0 ? opts.num_samples : nb;
    if (nb > nbasis) {
      rc = cli_usage_error(ctx, "hyper", "--basis-dim %lld exceeds the %lld vectors in '%s'",
                           (long long)nb, (long long)nbasis, input);
      goto done;
    }
    if (ns < nb || ns > N) {
      rc = cli_usage_error(ctx, "hyper", "--samples %lld must be between NB = %lld and N = %lld",
                           (long long)ns, (long long)nb, (long long)N);
      goto done;
    }
    if (ns != nb && (opts.method == ROM_HYPER_DEIM || opts.method == ROM_HYPER_QDEIM)) {
      rc = cli_usage_error(ctx, "hyper",
                           "--method %s selects exactly NB = %lld samples: use gnat, sopt or "
                           "deim-os to oversample",
                           rom_hyper_method_name(opts.method), (long long)nb);
      goto done;
    }
  }
  double t1 = MPI_Wtime();
  if ((err = rom_hyper_create(NULL, NULL, NULL, rom_basis_vectors(basis), &opts, &hr)) != ROM_OK) {
    rc = cli_fail(ctx, "hyper", err);
    goto done;
  }
  double t2 = MPI_Wtime();
  if ((err = rom_hyper_write(hr, output, overwrite)) != ROM_OK) {
    rc = cli_fail(ctx, "hyper", err);
    goto done;
  }
  double t3 = MPI_Wtime();
  cli_printf(ctx,
             "hyper: %s, N = %lld, nb = %lld, ns = %lld, %.3f s (read %.3f, selection %.3f, write "
             "%.3f) on %d rank%s -> %s\n",
             rom_hyper_method_name(opts.method), (long long)rom_hyper_global_rows(hr),
             (long long)rom_hyper_residual_dim(hr), (long long)rom_hyper_num_samples(hr), t3 - t0,
             t1 - t0, t2 - t1, t3 - t2, rom_ctx_size(ctx), rom_ctx_size(ctx) == 1 ? "" : "s",
             output);
done:
  rom_hyper_destroy(&hr);
  rom_basis_destroy(&basis);
  return rc;
}
