/* romkit hyper RESIDUAL_BASIS.h5 -o HR.h5 --method {deim,qdeim,gnat,sopt,deim-os,qdeim-e}
 *              --samples ns
 *              [--basis-dim nb] [--initial-samples R1,R2,...] [--manifold AE.h5[,AE_V.h5] --problem
 * NAME | --stencil SPEC]
 *              [--overwrite]
 * Sample selection on a residual basis file, in parallel on any number of ranks
 * (rom_hyper_create without a model), and the model-independent hyper-reduction data
 * written as a kind "hyper" file. The sample mesh and the state basis rows need the host
 * model's stencils: a host completes the file's object with rom_hyper_attach.
 * With --manifold (nonlinear-manifold ROMs, Kim, Choi, Widemann, Zohdi, J. Comput. Phys.
 * 451, 2022) the stencils come from the model of a registered problem (--problem NAME, or
 * --stencil NAME: romkit/problem.h, built for the residual basis's N rows on its row
 * partition) or from a generic 1-D offset stencil (--stencil offsets:...), and
 * rom_hyper_attach_decoder adds the sample mesh and the sub-network of the stacked
 * decoders feeding it (reference rows 0): a complete manifold hyper-reduction file. */
#include "cli.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HYPER_MAX_AE 8       /* autoencoders (stacked components) in --manifold */
#define HYPER_MAX_OFFSETS 64 /* offsets in --stencil offsets:... */

/* A printf format: %s is the list of methods (the library's table, cli_describe_names). */
static const char *const hyper_help =
    "usage: [mpirun -n P] romkit hyper RESIDUAL_BASIS.h5 -o HR.h5 --method M --samples NS\n"
    "                                  [--basis-dim NB] [--initial-samples LIST]\n"
    "                                  [--overwrite]\n"
    "                                  [--manifold AE.h5[,AE_V.h5]\n"
    "                                   --problem NAME | --stencil SPEC]\n\n"
    "Selects NS sample rows of the first NB vectors of the residual basis in\n"
    "RESIDUAL_BASIS.h5 (a kind \"basis\" file, e.g. from `romkit pod`) and writes the\n"
    "gappy-POD data: /sample_rows, /residual_basis_rows = P^T Phi_r and /gappy_pinv =\n"
    "(P^T Phi_r)^+ (kind \"hyper\", docs/file-format.md). Runs on any number of ranks; the\n"
    "samples do not depend on the rank count.\n\n"
    "options:\n"
    "  -o, --output PATH  the hyper-reduction file to write\n"
    "  --method M         the sample selection (include/romkit/hyper.h):\n"
    "%s"
    "  --samples NS       number of sample rows (default NB)\n"
    "  --basis-dim NB     residual basis vectors used (default: all in the file)\n"
    "  --initial-samples R1,R2,...\n"
    "                     start the selection from these rows (0-based global indices;\n"
    "                     sopt only, rom_hyper_select_from): they are the first samples,\n"
    "                     the method adds NS minus their number\n"
    "  --manifold LIST    nonlinear-manifold hyper-reduction: the autoencoder file(s)\n"
    "                     (kind \"autoencoder\", e.g. from `romkit train`), comma-separated,\n"
    "                     one per stacked component in row order (P2: u then v); their\n"
    "                     input dimensions must add up to N. Needs --problem or --stencil.\n"
    "  --problem NAME     the residual stencil, which defines the sample mesh (the union of\n"
    "                     the sampled rows' stencils), is the model's of the registered\n"
    "                     problem NAME (listed below) at the resolution with N rows, e.g.\n"
    "                     P1   1-D Burgers: row i needs i-1 (periodic) and i\n"
    "                     P2   2-D Burgers: N = 2 g^2 (u, v on a g x g interior grid); a\n"
    "                          row needs its node, the 4 interior neighbours and the other\n"
    "                          component at the node\n"
    "                     Only with --manifold.\n"
    "  --stencil SPEC     the same from a problem name (--stencil P1 = --problem P1) or a\n"
    "                     generic stencil:\n"
    "                     offsets:O1,O2,...[:periodic]  row i needs rows i+O1, i+O2, ...\n"
    "                          (and i); outside 0..N-1 they are dropped, or wrap with\n"
    "                          :periodic (offsets:-1,0:periodic is P1's stencil)\n"
    "  --overwrite        replace HR.h5 if it exists (otherwise: error, file untouched)\n"
    "  --json             one JSON object on stdout (method, N, nb, ns, seconds; with\n"
    "                     --ae the sample mesh and decoder sizes); the text to stderr\n"
    "  -h, --help         this text\n\n"
    "Without --manifold the file holds the model-independent part only (state_dim = 0):\n"
    "the sample mesh (the union of the samples' stencils) and the state basis rows there\n"
    "need the host model. In C: rom_hyper_read, then rom_hyper_attach(hr, model,\n"
    "state_basis, u_ref) and rom_hyper_write; or rom_hyper_create with the model does\n"
    "everything at once.\n"
    "With --manifold the file is complete (trial = \"manifold\"): /needed_rows, the decoder\n"
    "sub-network feeding them (/decoder_subnet) and /reference_rows, which are 0 here (the\n"
    "ROM is u ~ g(q)). A host with its own reference u_ref calls\n"
    "rom_hyper_attach_decoder(hr, model, nae, aes, u_ref) in C instead.\n"
    "Exit codes: 0 success, 1 failure (the message says why), 2 bad arguments.\n\n"
    "problems (--problem NAME; names and aliases in any case):\n";

/* --problem / --stencil: which host stencil defines the sample mesh. */
typedef enum { STENCIL_NONE = 0, STENCIL_PROBLEM, STENCIL_OFFSETS } stencil_kind;

typedef struct {
  stencil_kind kind;
  const char *problem; /* STENCIL_PROBLEM: the registry name */
  int noffsets, periodic;
  rom_int offsets[HYPER_MAX_OFFSETS];
  rom_int N; /* global rows, set once the residual basis is read */
} stencil_spec;

/* Parses a registered problem's name or offsets:O1,O2,...[:periodic]; returns 0 or -1
 * (bad syntax). */
static int parse_stencil(const char *text, stencil_spec *s) {
  memset(s, 0, sizeof *s);
  if (rom_problem_find(text)) {
    s->kind = STENCIL_PROBLEM;
    s->problem = text;
    return 0;
  }
  if (strncmp(text, "offsets:", 8) != 0) return -1;
  char list[1024];
  size_t len = strlen(text + 8);
  if (len == 0 || len >= sizeof list) return -1;
  memcpy(list, text + 8, len + 1);
  const char *suffix = ":periodic";
  const size_t slen = strlen(suffix);
  if (len > slen && !strcmp(list + len - slen, suffix)) {
    s->periodic = 1;
    list[len - slen] = '\0';
  }
  for (char *item = list;;) {
    char *comma = strchr(item, ',');
    if (comma) *comma = '\0';
    rom_int *o = &s->offsets[s->noffsets];
    if (s->noffsets == HYPER_MAX_OFFSETS || cli_parse_int(item, o) != 0 || *o > INT32_MAX ||
        *o < -(rom_int)INT32_MAX)
      return -1;
    ++s->noffsets;
    if (!comma) break;
    item = comma + 1;
  }
  s->kind = STENCIL_OFFSETS;
  return 0;
}

/* rom_stencil_fn of offsets:...: the sorted distinct rows i + Oj (dropped outside
 * 0..N-1, or wrapped when periodic), row i itself always included (model.h). */
static int offsets_stencil(void *user, rom_int row, rom_int max, rom_int *cols, rom_int *count) {
  const stencil_spec *s = (const stencil_spec *)user;
  rom_int list[HYPER_MAX_OFFSETS + 1];
  int n = 0;
  list[n++] = row;
  for (int j = 0; j < s->noffsets; ++j) {
    rom_int c = row + s->offsets[j];
    if (s->periodic)
      c = ((c % s->N) + s->N) % s->N;
    else if (c < 0 || c >= s->N)
      continue;
    int pos = n; /* insertion into the sorted list, duplicates skipped */
    while (pos > 0 && list[pos - 1] > c)
      --pos;
    if (pos > 0 && list[pos - 1] == c) continue;
    memmove(list + pos + 1, list + pos, sizeof(rom_int) * (size_t)(n - pos));
    list[pos] = c;
    ++n;
  }
  for (int j = 0; j < n && j < max; ++j)
    cols[j] = list[j];
  *count = n;
  return 0;
}

/* rom_model_set_sampled_velocity requires a non-NULL sampled-velocity callback (the sampled
 * Jacobian may be NULL), but the stencil-only model of offsets:... serves the sample mesh
 * only: rom_hyper_attach_decoder asks for the stencils and never calls this stub, which
 * returns an error code (ROM_ERR_CALLBACK for the caller) if anything ever does. */
static int offsets_velocity_stub(void *user, rom_int nrows, const rom_int *rows, rom_int nneeded,
                                 const rom_int *needed, const double *u_needed, double t,
                                 const double *mu, double *F_rows) {
  (void)user, (void)nrows, (void)rows, (void)nneeded, (void)needed, (void)u_needed, (void)t;
  (void)mu, (void)F_rows;
  return -1;
}

/* The host model whose stencils define the sample mesh, on the residual basis's row
 * partition: a registered problem's (built by stencil_problem_create, before) or the
 * offsets' own stencil-only model. */
static int stencil_model_create(rom_ctx *ctx, stencil_spec *s, rom_int local_rows,
                                rom_problem *problem, rom_model **own, rom_model **model) {
  int err = ROM_OK;
  *model = NULL;
  if (s->kind == STENCIL_PROBLEM) {
    *model = rom_problem_model(problem);
    return ROM_OK;
  }
  if ((err = rom_model_create(ctx, local_rows, 0, s, own)) == ROM_OK)
    err = rom_model_set_sampled_velocity(*own, offsets_stencil, offsets_velocity_stub, NULL);
  if (err == ROM_OK) *model = *own;
  return err;
}

/* Hidden units and parameters (weights and biases) of a decoder: the full counts the
 * sub-network's are compared with. */
static void decoder_size(rom_ae *ae, rom_int *units, rom_int *params) {
  const int nl = rom_ae_num_layers(ae);
  for (int l = rom_ae_num_encoder_layers(ae); l < nl; ++l) {
    rom_layer_spec spec;
    if (rom_ae_layer(ae, l, &spec) != ROM_OK) continue;
    if (l + 1 < nl) *units += spec.out;
    *params +=
        (spec.mask ? rom_mask_nnz(spec.mask) : spec.in * spec.out) + (spec.bias ? spec.out : 0);
  }
}

int cmd_hyper(rom_ctx *ctx, int argc, char **argv) {
  const char *input = NULL, *output = NULL, *manifold = NULL, *stencil_text = NULL;
  const char *stencil_option = NULL; /* "--problem" or "--stencil", for messages */
  int overwrite = 0, rc = CLI_EXIT_OK, err = ROM_OK, nae = 0;
  rom_hyper_options opts = rom_hyper_options_default();
  rom_basis *basis = NULL;
  rom_hyper *hr = NULL;
  stencil_spec stencil;
  rom_problem *problem = NULL;
  rom_model *model = NULL, *own_model = NULL;
  char *ae_list = NULL;
  rom_int *initial = NULL;
  const char *initial_text = NULL;
  const char *ae_path[HYPER_MAX_AE];
  rom_ae *aes[HYPER_MAX_AE];
  memset(&stencil, 0, sizeof stencil);
  memset(aes, 0, sizeof aes);

  if (cli_wants_help(argc, argv)) {
    char methods[2048];
    cli_printf(ctx, hyper_help,
               cli_describe_names(CLI_HYPER_METHODS, 21, (int)rom_hyper_options_default().method,
                                  methods, sizeof methods));
    cli_print_problems(ctx, "  ");
    return CLI_EXIT_OK;
  }
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    int has_value = i + 1 < argc;
    if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      if (!has_value) return cli_usage_error(ctx, "hyper", "%s needs a file name", a);
      output = argv[++i];
    } else if (!strcmp(a, "--method")) {
      char known[256];
      cli_list_names(CLI_HYPER_METHODS, 0u, 0u, ", ", known, sizeof known);
      if (!has_value) return cli_usage_error(ctx, "hyper", "--method needs one of %s", known);
      if (rom_hyper_method_from_name(argv[++i], &opts.method) != ROM_OK)
        return cli_usage_error(ctx, "hyper", "--method '%s' is not one of %s", argv[i], known);
    } else if (!strcmp(a, "--samples")) {
      if (!has_value) return cli_usage_error(ctx, "hyper", "--samples needs a whole number >= 1");
      if (cli_parse_int(argv[++i], &opts.num_samples) != 0 || opts.num_samples < 1)
        return cli_usage_error(ctx, "hyper", "--samples '%s' is not a whole number >= 1", argv[i]);
    } else if (!strcmp(a, "--basis-dim")) {
      if (!has_value) return cli_usage_error(ctx, "hyper", "--basis-dim needs a whole number >= 1");
      if (cli_parse_int(argv[++i], &opts.residual_dim) != 0 || opts.residual_dim < 1)
        return cli_usage_error(ctx, "hyper", "--basis-dim '%s' is not a whole number >= 1",
                               argv[i]);
    } else if (!strcmp(a, "--initial-samples")) {
      if (!has_value)
        return cli_usage_error(ctx, "hyper", "--initial-samples needs rows R1,R2,...");
      initial_text = argv[++i];
    } else if (!strcmp(a, "--manifold")) {
      if (!has_value)
        return cli_usage_error(ctx, "hyper",
                               "--manifold needs the autoencoder file(s) AE.h5[,...]");
      manifold = argv[++i];
    } else if (!strcmp(a, "--stencil") || !strcmp(a, "--problem")) {
      char known[512];
      const int is_problem = !strcmp(a, "--problem");
      rom_problem_names(known, sizeof known);
      if (!has_value)
        return cli_usage_error(ctx, "hyper", "%s needs a problem (%s)%s", a, known,
                               is_problem ? "" : " or offsets:O1,O2,...[:periodic]");
      if (stencil_text)
        return cli_usage_error(ctx, "hyper", "give one of --problem and --stencil, once");
      stencil_option = a;
      stencil_text = argv[++i];
      if ((is_problem && !rom_problem_find(stencil_text)) ||
          parse_stencil(stencil_text, &stencil) != 0) {
        if (is_problem)
          return cli_usage_error(ctx, "hyper", "--problem '%s' is not a registered problem (%s)",
                                 stencil_text, known);
        return cli_usage_error(
            ctx, "hyper",
            "--stencil '%s' is not a problem (%s) or offsets:O1,O2,...[:periodic] "
            "(at most %d whole-number offsets below 2^31 in size)",
            stencil_text, known, HYPER_MAX_OFFSETS);
      }
    } else if (!strcmp(a, "--overwrite")) {
      overwrite = 1;
    } else if ((rc = cli_take_input(ctx, "hyper", NULL, a, &input, "input file")) != CLI_EXIT_OK) {
      return rc;
    }
  }
  if (!input)
    return cli_usage_error(ctx, "hyper", "missing the residual basis file (RESIDUAL_BASIS.h5)");
  if (!output) return cli_usage_error(ctx, "hyper", "missing the output file (-o HR.h5)");
  if (manifold && !stencil_text)
    return cli_usage_error(ctx, "hyper",
                           "--manifold needs --problem NAME or --stencil (a problem or "
                           "offsets:...): the sample mesh is the union of the sampled rows' "
                           "stencils");
  if (stencil_text && !manifold)
    return cli_usage_error(ctx, "hyper",
                           "--problem/--stencil are used with --manifold only (a linear "
                           "hyper-reduction is completed by the host with rom_hyper_attach)");
  if (initial_text) { /* R1,R2,...: whole numbers >= 0 (range and repeats: the library) */
    rom_int n = 1;
    for (const char *c = initial_text; *c; ++c)
      n += *c == ',';
    if (!(initial = malloc(sizeof(rom_int) * (size_t)n)) ||
        !(ae_list = malloc(strlen(initial_text) + 1))) {
      rc = cli_fail(ctx, "hyper", ROM_ERR_NOMEM);
      goto done;
    }
    memcpy(ae_list, initial_text, strlen(initial_text) + 1);
    rom_int k = 0;
    for (char *item = ae_list;;) {
      char *comma = strchr(item, ',');
      if (comma) *comma = '\0';
      if (cli_parse_int(item, &initial[k]) != 0 || initial[k] < 0) {
        rc = cli_usage_error(ctx, "hyper",
                             "--initial-samples '%s': '%s' is not a whole number >= 0 (give "
                             "0-based rows separated by commas)",
                             initial_text, item);
        goto done;
      }
      ++k;
      if (!comma) break;
      item = comma + 1;
    }
    opts.num_initial_samples = k;
    opts.initial_samples = initial;
    free(ae_list);
    ae_list = NULL;
  }
  if (manifold) { /* split the comma-separated list (a copy: argv is left as it is) */
    size_t len = strlen(manifold);
    if (!(ae_list = malloc(len + 1))) {
      rc = cli_fail(ctx, "hyper", ROM_ERR_NOMEM);
      goto done;
    }
    memcpy(ae_list, manifold, len + 1);
    for (char *item = ae_list;;) {
      char *comma = strchr(item, ',');
      if (comma) *comma = '\0';
      if (item[0] == '\0' || nae == HYPER_MAX_AE) {
        rc = cli_usage_error(ctx, "hyper",
                             "--manifold '%s' must list 1 to %d autoencoder files, separated by "
                             "commas",
                             manifold, HYPER_MAX_AE);
        goto done;
      }
      ae_path[nae++] = item;
      if (!comma) break;
      item = comma + 1;
    }
  }

  /* check the output before the work (directory on every rank, file absent unless
   * --overwrite; rom_hyper_write checks again) */
  if ((err = rom_output_check(ctx, output, overwrite)) != ROM_OK) {
    rc = cli_fail(ctx, "hyper", err);
    goto done;
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
    if (ns != nb && (rom_hyper_method_rules(opts.method) & ROM_HYPER_RULE_EXACT_SAMPLES)) {
      char others[256];
      cli_list_names(CLI_HYPER_METHODS, ROM_HYPER_RULE_EXACT_SAMPLES, 0u, " or ", others,
                     sizeof others);
      rc = cli_usage_error(ctx, "hyper",
                           "--method %s selects exactly NB = %lld samples: use %s to oversample",
                           rom_hyper_method_name(opts.method), (long long)nb, others);
      goto done;
    }
    stencil.N = N;
    /* the problem at the resolution with the basis's N rows, on its partition; a size the
     * problem cannot have is a usage error (e.g. P2 needs N = 2 g^2) */
    if (stencil.kind == STENCIL_PROBLEM &&
        rom_problem_create_for_rows(ctx, stencil.problem, N, rom_basis_local_rows(basis),
                                    &problem) != ROM_OK) {
      char why[1024];
      rc = cli_usage_error(ctx, "hyper", "%s %s: '%s' does not fit: %s", stencil_option,
                           stencil.problem, input, cli_error_sentence(ctx, why, sizeof why));
      goto done;
    }
  }
  /* The autoencoders: replicated on every rank; their outputs stack to the N rows. */
  if (manifold) {
    rom_int total = 0;
    char sizes[512] = "";
    for (int b = 0; b < nae; ++b) {
      if ((err = rom_ae_read(ctx, ae_path[b], &aes[b])) != ROM_OK) {
        rc = cli_fail(ctx, "hyper", err);
        goto done;
      }
      total += rom_ae_input_dim(aes[b]);
      size_t used = strlen(sizes);
      snprintf(sizes + used, sizeof sizes - used, "%s'%s': %lld", b ? ", " : "", ae_path[b],
               (long long)rom_ae_input_dim(aes[b]));
    }
    if (total != rom_basis_global_rows(basis)) {
      if (rom_ctx_rank(ctx) == 0) {
        if (nae == 1)
          fprintf(stderr,
                  "romkit hyper: error: the autoencoder '%s' has input dimension %lld but the "
                  "residual basis '%s' has N = %lld rows: they must be equal\n",
                  ae_path[0], (long long)total, input, (long long)rom_basis_global_rows(basis));
        else
          fprintf(stderr,
                  "romkit hyper: error: the autoencoders' input dimensions add up to %lld (%s) "
                  "but the residual basis '%s' has N = %lld rows: give one autoencoder per "
                  "stacked component, in row order\n",
                  (long long)total, sizes, input, (long long)rom_basis_global_rows(basis));
      }
      rc = CLI_EXIT_FAILURE;
      goto done;
    }
  }
  double t1 = MPI_Wtime();
  if ((err = rom_hyper_create(NULL, NULL, NULL, rom_basis_vectors(basis), &opts, &hr)) != ROM_OK) {
    rc = cli_fail(ctx, "hyper", err);
    goto done;
  }
  double t2 = MPI_Wtime(), t2m = t2;
  if (manifold) {
    if ((err = stencil_model_create(ctx, &stencil, rom_basis_local_rows(basis), problem, &own_model,
                                    &model)) != ROM_OK ||
        (err = rom_hyper_attach_decoder(hr, model, nae, aes, NULL)) != ROM_OK) {
      rc = cli_fail(ctx, "hyper", err);
      goto done;
    }
    t2m = MPI_Wtime();
  }
  if ((err = rom_hyper_write(hr, output, overwrite)) != ROM_OK) {
    rc = cli_fail(ctx, "hyper", err);
    goto done;
  }
  double t3 = MPI_Wtime();
  if (cli_json_mode()) {
    cli_json_begin(ctx);
    cli_json_string(ctx, "command", "hyper");
    cli_json_string(ctx, "input", input);
    cli_json_string(ctx, "output", output);
    cli_json_string(ctx, "method", rom_hyper_method_name(opts.method));
    cli_json_integer(ctx, "N", (long long)rom_hyper_global_rows(hr));
    cli_json_integer(ctx, "nb", (long long)rom_hyper_residual_dim(hr));
    cli_json_integer(ctx, "ns", (long long)rom_hyper_num_samples(hr));
    if (manifold) {
      cli_json_integer(ctx, "latent", (long long)rom_hyper_state_dim(hr));
      cli_json_integer(ctx, "sample_mesh_rows", (long long)rom_hyper_num_needed(hr));
      cli_json_integer(ctx, "decoder_hidden_units",
                       (long long)rom_ae_subnet_num_hidden_units(rom_hyper_decoder(hr)));
      cli_json_integer(ctx, "decoder_parameters",
                       (long long)rom_ae_subnet_num_params(rom_hyper_decoder(hr)));
    }
    cli_json_number(ctx, "seconds", t3 - t0);
    cli_json_integer(ctx, "ranks", rom_ctx_size(ctx));
    cli_json_end(ctx);
  }
  if (!manifold) {
    cli_printf(ctx,
               "hyper: %s, N = %lld, nb = %lld, ns = %lld, %.3f s (read %.3f, selection %.3f, "
               "write %.3f) on %d rank%s -> %s\n",
               rom_hyper_method_name(opts.method), (long long)rom_hyper_global_rows(hr),
               (long long)rom_hyper_residual_dim(hr), (long long)rom_hyper_num_samples(hr), t3 - t0,
               t1 - t0, t2 - t1, t3 - t2, rom_ctx_size(ctx), rom_ctx_size(ctx) == 1 ? "" : "s",
               output);
  } else {
    const rom_ae_subnet *dec = rom_hyper_decoder(hr);
    rom_int units = 0, params = 0;
    for (int b = 0; b < nae; ++b)
      decoder_size(aes[b], &units, &params);
    cli_printf(ctx,
               "hyper: %s, N = %lld, nb = %lld, ns = %lld, manifold (latent %lld, stencil %s): "
               "sample mesh %lld rows, decoder sub-network %lld of %lld hidden units, %lld of "
               "%lld parameters, %.3f s (read %.3f, selection %.3f, decoder %.3f, write %.3f) on "
               "%d rank%s -> %s\n",
               rom_hyper_method_name(opts.method), (long long)rom_hyper_global_rows(hr),
               (long long)rom_hyper_residual_dim(hr), (long long)rom_hyper_num_samples(hr),
               (long long)rom_hyper_state_dim(hr), stencil_text,
               (long long)rom_hyper_num_needed(hr), (long long)rom_ae_subnet_num_hidden_units(dec),
               (long long)units, (long long)rom_ae_subnet_num_params(dec), (long long)params,
               t3 - t0, t1 - t0, t2 - t1, t2m - t2, t3 - t2m, rom_ctx_size(ctx),
               rom_ctx_size(ctx) == 1 ? "" : "s", output);
  }
done:
  rom_hyper_destroy(&hr);
  rom_problem_destroy(&problem);
  rom_model_destroy(&own_model);
  for (int b = 0; b < nae; ++b)
    rom_ae_destroy(&aes[b]);
  rom_basis_destroy(&basis);
  free(ae_list);
  free(initial);
  return rc;
}
