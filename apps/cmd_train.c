/* romkit train SNAPSHOTS.h5 -o AE.h5 --latent K [--problem NAME] [--hidden H]
 *              [--activation A] [--mask band:B:S | stencil:NX:NY:B:S | dense:H2] ...
 * Trains the shallow masked autoencoder of Kim, Choi, Widemann, Zohdi (J. Comput. Phys.
 * 451, 2022) on a snapshot file, data-parallel over the ranks (rom_ae_train_dmat), and
 * writes the autoencoder file (rom_ae_write). The network is a recipe (romkit/problem.h):
 * the named problem's (`--problem`, from the registry), or P1's without one, with the options
 * given explicitly written over it; rom_problem_autoencoder_create builds it. */
#define _POSIX_C_SOURCE 200809L /* sigaction */
#include "cli.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Exit code of a run stopped by SIGINT/SIGTERM (or --stop-after-epoch) with its checkpoint
 * written: distinct from success (0), failure (1) and usage (2), so scripts can resume. */
#define TRAIN_EXIT_INTERRUPTED 3
/* Default --checkpoint-every: a P1 epoch takes about a second, so at most ~2 minutes lost. */
#define TRAIN_CHECKPOINT_EVERY 100

/* Set by the handler, read by the training loop at the end of each epoch (rom_ae_train's
 * stop_flag): a handler may only touch a volatile sig_atomic_t (C99 7.14.1.1). */
static volatile sig_atomic_t train_stop_requested = 0;
static void train_on_signal(int sig) {
  train_stop_requested = sig;
}

/* train_help_tail is a printf format: %s is the list of activations (the library's
 * table). */
static const char *const train_help_head =
    "usage: [mpirun -n P] romkit train SNAPSHOTS.h5 -o AE.h5 --latent K [options]\n\n"
    "Trains a shallow masked autoencoder (Kim, Choi, Widemann, Zohdi, JCP 451, 2022) on the\n"
    "snapshots of SNAPSHOTS.h5 (dataset /snapshots {m, N}): encoder N -> H (act, bias) -> K,\n"
    "decoder K -> H2 (act) -> N through a sparse mask; Adam on the mean squared error,\n"
    "data-parallel over the ranks. docs/autoencoder.md describes the method and the file.\n\n"
    "network:\n"
    "  --latent K          latent dimension (required)\n"
    "  --problem NAME      the named problem's network (its recipe, docs/problems.md), at the\n"
    "                      resolution whose components have N rows: P1 swish, H = 2N, mask\n"
    "                      band:36:12; P2 sigmoid, H = 2N, mask stencil:n:n:100:10 (N = n^2),\n"
    "                      biases on both hidden layers, per-node min-max scaling, batch 240,\n"
    "                      2000 epochs. Options given explicitly override these.\n"
    "                      The registered problems are listed at the end.\n";
static const char *const train_help_tail =
    "  --hidden H          encoder hidden width (default 2N)\n"
    "  --activation A      %s (default swish)\n"
    "  --mask M            decoder output mask: band:B:S (row i -> hidden S*i .. S*i+B-1,\n"
    "                      H2 = S (N-1) + B; default band:36:12), stencil:NX:NY:B:S (2-D grid,\n"
    "                      N = NX*NY, H2 = S (N-1) + B), or dense:H2 (no mask)\n"
    "  --decoder-bias      bias on the decoder hidden layer (default: none, as P1)\n"
    "  --network NET       the encoder: paper (default: dense N -> H, the paper's network),\n"
    "                      masked (N -> H2 through the decoder mask transposed, then H2 -> K:\n"
    "                      O(N) weights) or narrow (dense N -> H, H = --hidden or 512: O(N)\n"
    "                      weights; the fast choice on P2; docs/autoencoder.md, \"Encoder\n"
    "                      choice\")\n"
    "  --scaling S         none (default) or minmax (x_s = (x - min) / (max - min) per node)\n"
    "training:\n"
    "  --epochs E          at most E epochs (default 10000)\n"
    "  --batch B           global mini-batch (default 20)\n"
    "  --lr R              Adam learning rate (default 1e-3)\n"
    "  --patience P        reduce lr 10x after P epochs without improvement (default 10)\n"
    "  --early-stop S      stop after S epochs without improvement, keep the best (default 200)\n"
    "  --validation F      held-out fraction (default 0.1)\n"
    "  --seed S            weights, split and shuffles (default 42)\n"
    "  --reproducible C    cut each batch into C fixed chunks: bit-identical results on any\n"
    "                      number of ranks (default 0: equal to round-off; at most 65536)\n"
    "  --grad-reduce R     how ranks sum the gradient: allreduce (default: every rank runs the\n"
    "                      whole Adam update) or sharded (reduce-scatter, Adam on 1/P of\n"
    "                      the weights each, allgather); the same result either way\n"
    "  --max-seconds T     stop after T seconds of training\n"
    "  --precision P       double (default) or single: the forward and backward passes in\n"
    "                      float32 (sgemm); weights, Adam and the loss sums stay double and\n"
    "                      AE.h5 is float64 either way (docs/autoencoder.md, \"Precision\");\n"
    "                      --resume needs the checkpoint's precision\n"
    "  --init AE.h5        continue training that network (its layers, weights and scaling;\n"
    "                      Adam restarts: pass --lr to resume at a lower rate; the same\n"
    "                      --seed keeps the same validation split)\n"
    "  --checkpoint-every N  write the training state to AE.h5.ckpt.h5 every N epochs (default\n"
    "                      100; 0: only on SIGINT/SIGTERM), atomically; on SIGINT/SIGTERM the\n"
    "                      run writes it after the current epoch and exits with code 3. The\n"
    "                      checkpoint is removed once AE.h5 is written.\n"
    "  --resume            continue from AE.h5.ckpt.h5 bit for bit (Adam state, schedule,\n"
    "                      early stopping, epoch count, history); give the same options (only\n"
    "                      --epochs and --max-seconds may change): a differing one is refused\n"
    "  --stop-after-epoch K  stop as on SIGTERM once K epochs are done (for tests)\n"
    "  -q, --quiet         no per-epoch progress lines (the global option: errors only)\n"
    "  --json              one JSON object on stdout (epochs, best epoch, losses, seconds);\n"
    "                      the human lines go to stderr\n"
    "  --overwrite         replace an existing output file\n"
    "  -h, --help          this text\n\n"
    "Exit codes: 0 success, 1 failure (the message says why), 2 bad arguments, 3 stopped by\n"
    "SIGINT/SIGTERM with the checkpoint written (continue with --resume).\n";

typedef struct {
  const char *input, *output, *problem, *activation, *mask, *scaling, *network, *precision;
  const char *init;        /* --init: continue training this network */
  const char *grad_reduce; /* --grad-reduce */
  rom_int latent, hidden, epochs, batch, patience, early_stop, chunks, ckpt_every, stop_after;
  double lr, validation, max_seconds;
  uint64_t seed;
  int decoder_bias, overwrite, resume;
} train_args;

static int parse(rom_ctx *ctx, int argc, char **argv, train_args *a) {
  memset(a, 0, sizeof(*a));
  a->latent = a->hidden = a->epochs = a->batch = a->patience = a->early_stop = a->chunks = -1;
  a->lr = a->validation = -1;
  a->ckpt_every = TRAIN_CHECKPOINT_EVERY;
  a->seed = 42;
  a->decoder_bias = -1;
  for (int i = 1; i < argc; ++i) {
    const char *o = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    rom_int iv = 0;
    double dv = 0;
#define NEED_VALUE                                                                                 \
  if (!v) return cli_usage_error(ctx, "train", "%s needs a value", o);                             \
  ++i
#define INT_OPT(name, field, min, max)                                                             \
  if (strcmp(o, name) == 0) {                                                                      \
    NEED_VALUE;                                                                                    \
    if (cli_parse_int(v, &iv) || iv < (min) || iv > (max))                                         \
      return cli_usage_error(ctx, "train", "%s %s: expected an integer in %d..%lld", o, v,         \
                             (int)(min), (long long)(max));                                        \
    a->field = iv;                                                                                 \
    continue;                                                                                      \
  }
#define DBL_OPT(name, field, ok)                                                                   \
  if (strcmp(o, name) == 0) {                                                                      \
    NEED_VALUE;                                                                                    \
    if (cli_parse_double(v, &dv) || !(ok))                                                         \
      return cli_usage_error(ctx, "train", "%s %s: value out of range", o, v);                     \
    a->field = dv;                                                                                 \
    continue;                                                                                      \
  }
#define STR_OPT(name, field)                                                                       \
  if (strcmp(o, name) == 0) {                                                                      \
    NEED_VALUE;                                                                                    \
    a->field = v;                                                                                  \
    continue;                                                                                      \
  }
    STR_OPT("-o", output)
    STR_OPT("--output", output)
    STR_OPT("--problem", problem)
    STR_OPT("--activation", activation)
    STR_OPT("--mask", mask)
    STR_OPT("--network", network)
    STR_OPT("--scaling", scaling)
    STR_OPT("--init", init)
    STR_OPT("--precision", precision)
    STR_OPT("--grad-reduce", grad_reduce)
    /* sizes beyond these fail later with the sizes and memory they need; --reproducible is
     * an int in the library (a larger value would wrap), and more chunks than a batch has
     * samples only add empty slots */
    INT_OPT("--latent", latent, 1, INT64_MAX)
    INT_OPT("--hidden", hidden, 1, INT64_MAX)
    INT_OPT("--epochs", epochs, 1, INT64_MAX)
    INT_OPT("--batch", batch, 1, INT64_MAX)
    INT_OPT("--patience", patience, 0, INT64_MAX)
    INT_OPT("--early-stop", early_stop, 0, INT64_MAX)
    INT_OPT("--reproducible", chunks, 0, 65536)
    INT_OPT("--checkpoint-every", ckpt_every, 0, INT64_MAX)
    INT_OPT("--stop-after-epoch", stop_after, 1, INT64_MAX)
    DBL_OPT("--lr", lr, dv > 0 && isfinite(dv))
    DBL_OPT("--validation", validation, dv >= 0 && dv < 1)
    DBL_OPT("--max-seconds", max_seconds, dv >= 0)
    if (strcmp(o, "--seed") == 0) {
      NEED_VALUE;
      if (cli_parse_int(v, &iv) || iv < 0)
        return cli_usage_error(ctx, "train", "--seed %s: expected an integer >= 0", v);
      a->seed = (uint64_t)iv;
      continue;
    }
    if (strcmp(o, "--decoder-bias") == 0) {
      a->decoder_bias = 1;
      continue;
    }
    if (strcmp(o, "--resume") == 0) {
      a->resume = 1;
      continue;
    }
    if (strcmp(o, "--overwrite") == 0) {
      a->overwrite = 1;
      continue;
    }
    if (o[0] == '-') return cli_usage_error(ctx, "train", "unknown option '%s' (see --help)", o);
    if (a->input)
      return cli_usage_error(ctx, "train", "more than one input file ('%s', '%s')", a->input, o);
    a->input = o;
#undef NEED_VALUE
#undef INT_OPT
#undef DBL_OPT
#undef STR_OPT
  }
  if (a->grad_reduce && strcmp(a->grad_reduce, "sharded") && strcmp(a->grad_reduce, "allreduce"))
    return cli_usage_error(ctx, "train", "--grad-reduce %s: expected sharded or allreduce",
                           a->grad_reduce);
  if (!a->input) return cli_usage_error(ctx, "train", "no snapshot file given (see --help)");
  if (!a->output) return cli_usage_error(ctx, "train", "no output file given (-o AE.h5)");
  if (a->init && (a->hidden > 0 || a->activation || a->mask || a->scaling || a->decoder_bias > 0 ||
                  a->network))
    return cli_usage_error(ctx, "train",
                           "--init takes the network (layers, mask, scaling) from its file: "
                           "--hidden, --activation, --mask, --network, --scaling and "
                           "--decoder-bias do not apply");
  if (a->init && a->resume)
    return cli_usage_error(ctx, "train",
                           "--resume continues from the checkpoint AE.h5.ckpt.h5; --init starts a "
                           "new training from a finished network: give one of them");
  if (a->latent < 1 && !a->init) return cli_usage_error(ctx, "train", "--latent K is required");
  if (a->problem && !rom_problem_find(a->problem)) {
    char known[512];
    return cli_usage_error(ctx, "train", "--problem %s: unknown problem (known: %s)", a->problem,
                           rom_problem_names(known, sizeof known));
  }
  if (a->scaling && strcmp(a->scaling, "none") && strcmp(a->scaling, "minmax"))
    return cli_usage_error(ctx, "train", "--scaling %s: expected none or minmax", a->scaling);
  if (a->precision && strcmp(a->precision, "double") && strcmp(a->precision, "single"))
    return cli_usage_error(ctx, "train", "--precision %s: expected double or single", a->precision);
  if (a->network) {
    int masked = 0;
    if (rom_problem_network_from_name(a->network, &masked) != ROM_OK)
      return cli_usage_error(ctx, "train", "--network %s: expected one of %s", a->network,
                             ROM_AE_NETWORK_NAMES);
  }
  if (a->activation) {
    rom_activation act;
    char known[256];
    if (rom_activation_from_name(a->activation, &act) != ROM_OK)
      return cli_usage_error(ctx, "train", "--activation %s: expected %s", a->activation,
                             cli_list_names(CLI_ACTIVATIONS, 0u, 0u, " or ", known, sizeof known));
  }
  return CLI_EXIT_OK;
}

/* The network of this run: the problem's recipe for N inputs per component (or P1's
 * network without --problem) with the explicit options written over it. Returns a CLI exit
 * code; bad spellings and sizes are usage errors, as they were before the recipe existed. */
static int network_recipe(rom_ctx *ctx, const train_args *a, rom_int N, rom_problem_recipe *r,
                          rom_int *h2) {
  char why[1024];
  rom_mask *mask = NULL;
  if (!a->problem) {
    rom_problem_recipe_default_network(r);
  } else if (rom_problem_recipe_for_rows(ctx, a->problem, N, r) != ROM_OK) {
    return cli_usage_error(ctx, "train", "--problem %s: %s", a->problem,
                           cli_error_sentence(ctx, why, sizeof why));
  } else if (!r->ae_activation[0] || !r->ae_mask[0]) {
    return cli_usage_error(ctx, "train",
                           "--problem %s: the problem has no autoencoder recipe (give --mask, "
                           "--activation and the training options yourself, without --problem)",
                           a->problem);
  }
  if (a->activation) snprintf(r->ae_activation, sizeof r->ae_activation, "%s", a->activation);
  if (a->mask) {
    if (strlen(a->mask) >= sizeof r->ae_mask)
      return cli_usage_error(ctx, "train", "--mask %.40s...: too long", a->mask);
    snprintf(r->ae_mask, sizeof r->ae_mask, "%s", a->mask);
  }
  if (a->hidden > 0) r->ae_hidden = a->hidden;
  if (a->decoder_bias > 0) r->ae_decoder_bias = 1;
  if (a->network) snprintf(r->ae_network, sizeof r->ae_network, "%s", a->network);
  /* the mask spelling and its size against N: usage errors (exit 2), before any training */
  if (rom_mask_from_spec(ctx, r->ae_mask, N, &mask, h2) != ROM_OK)
    return cli_usage_error(ctx, "train", "--mask: %s", cli_error_sentence(ctx, why, sizeof why));
  int masked = 0, dense = mask == NULL;
  rom_mask_destroy(&mask);
  rom_problem_network_from_name(r->ae_network, &masked); /* checked by parse() */
  if (masked == ROM_AE_NETWORK_MASKED && dense)
    return cli_usage_error(ctx, "train",
                           "--network masked masks the encoder with the decoder's mask "
                           "transposed: the mask %s is dense (give band:B:S or stencil:...)",
                           r->ae_mask);
  if (masked == ROM_AE_NETWORK_MASKED && a->hidden > 0)
    return cli_usage_error(ctx, "train",
                           "--network masked: the encoder's hidden width is the mask's (%lld); "
                           "--hidden does not apply",
                           (long long)*h2);
  return CLI_EXIT_OK;
}

int cmd_train(rom_ctx *ctx, int argc, char **argv) {
  train_args a;
  int rc = CLI_EXIT_OK, err = ROM_OK;
  rom_dmat *S = NULL;
  rom_ae *ae = NULL;
  rom_problem_recipe recipe;
  if (cli_wants_help(argc, argv)) {
    char names[256];
    cli_printf(ctx, "%s", train_help_head);
    cli_printf(ctx, train_help_tail,
               cli_list_names(CLI_ACTIVATIONS, 0u, 0u, " or ", names, sizeof names));
    cli_printf(ctx, "\nproblems (--problem NAME; names and aliases in any case):\n");
    cli_print_problems(ctx, "  ");
    return CLI_EXIT_OK;
  }
  if ((rc = parse(ctx, argc, argv, &a)) != CLI_EXIT_OK) return rc;
  /* check the output before reading or training (directory on every rank, file absent
   * unless --overwrite; rom_ae_write checks again) */
  if ((err = rom_output_check(ctx, a.output, a.overwrite)) != ROM_OK)
    return cli_fail(ctx, "train", err);
  /* the checkpoint beside the output: it must exist for --resume, and is not replaced by a
   * new run unless --overwrite (hours of training are not lost to a forgotten --resume) */
  char ckpt[4096];
  if (snprintf(ckpt, sizeof ckpt, "%s.ckpt.h5", a.output) >= (int)sizeof ckpt)
    return cli_usage_error(ctx, "train", "-o %.40s...: path too long", a.output);
  {
    struct stat sb;
    int exists = rom_ctx_rank(ctx) == 0 && stat(ckpt, &sb) == 0;
    MPI_Bcast(&exists, 1, MPI_INT, 0, rom_ctx_comm(ctx));
    if (a.resume && !exists)
      return cli_usage_error(ctx, "train",
                             "--resume: no checkpoint '%s' (it is written beside "
                             "-o by a run with the same options)",
                             ckpt);
    if (!a.resume && exists && !a.overwrite)
      return cli_usage_error(ctx, "train",
                             "checkpoint '%s' exists: continue it with --resume, or start over "
                             "with --overwrite",
                             ckpt);
  }
  rom_stage_begin(ctx, "train: read the snapshots");
  err = rom_snapshots_read(ctx, a.input, ROM_AUTO_ROWS, &S);
  rom_stage_end(ctx, "train: read the snapshots");
  if (err != ROM_OK) return cli_fail(ctx, "train", err);
  const rom_int N = rom_dmat_global_rows(S), m = rom_dmat_cols(S);
  rom_int h2 = 0;
  if (a.latent >= N) { /* the library refuses it too (rom_ae_create); say it as a usage error */
    rc = cli_usage_error(ctx, "train",
                         "--latent %lld must be smaller than the snapshots' N = %lld: the "
                         "autoencoder reduces N values to K (a few, e.g. 3 to 5)",
                         (long long)a.latent, (long long)N);
    goto done;
  }
  if ((rc = network_recipe(ctx, &a, N, &recipe, &h2)) != CLI_EXIT_OK) goto done;
  rom_activation act = ROM_ACT_SWISH;
  rom_activation_parse(ctx, recipe.ae_activation, &act); /* checked by parse() or the recipe */
  int enc_masked = 0;
  rom_problem_network_from_name(recipe.ae_network, &enc_masked); /* checked by parse() */
  const rom_int h1 = enc_masked == ROM_AE_NETWORK_MASKED   ? h2
                     : recipe.ae_hidden > 0                ? recipe.ae_hidden
                     : enc_masked == ROM_AE_NETWORK_NARROW ? ROM_AE_NARROW_HIDDEN
                                                           : 2 * N;
  const int dbias = recipe.ae_decoder_bias;
  const char *mask_spec = recipe.ae_mask;
  if (a.init) {
    /* continue training a saved network: its layers, weights and scaling (Adam's moments are
     * not saved, so the optimiser restarts; give --lr to resume at a lower rate) */
    if ((err = rom_ae_read(ctx, a.init, &ae)) != ROM_OK) {
      rc = cli_fail(ctx, "train", err);
      goto done;
    }
    if (rom_ae_input_dim(ae) != N || (a.latent > 0 && rom_ae_latent_dim(ae) != a.latent)) {
      if (rom_ctx_rank(ctx) == 0)
        fprintf(stderr,
                "romkit train: error: '%s' is a %lld -> %lld network but the snapshots have N = "
                "%lld%s\n",
                a.init, (long long)rom_ae_input_dim(ae), (long long)rom_ae_latent_dim(ae),
                (long long)N, a.latent > 0 ? " (or --latent differs)" : "");
      rc = CLI_EXIT_FAILURE;
      goto done;
    }
    a.latent = rom_ae_latent_dim(ae);
  } else if ((err = rom_problem_autoencoder_create(ctx, &recipe, N, a.latent, a.seed, &ae)) !=
             ROM_OK) {
    rc = cli_fail(ctx, "train", err);
    goto done;
  }
  rom_ae_train_options o = rom_ae_train_options_default();
  rom_problem_train_options(&recipe, &o);
  if (a.scaling) o.scale_minmax = strcmp(a.scaling, "minmax") == 0;
  if (a.precision)
    o.precision = strcmp(a.precision, "single") == 0 ? ROM_PRECISION_SINGLE : ROM_PRECISION_DOUBLE;
  if (a.init) o.scale_minmax = 0; /* the file's scaling is part of the trained network */
  if (a.epochs > 0) o.epochs = a.epochs;
  if (a.batch > 0) o.batch = a.batch;
  if (a.patience >= 0) o.patience = a.patience;
  if (a.early_stop >= 0) o.early_stop = a.early_stop;
  if (a.chunks >= 0) o.reproducible_chunks = (int)a.chunks;
  if (a.grad_reduce)
    o.grad_reduce =
        strcmp(a.grad_reduce, "allreduce") ? ROM_AE_REDUCE_SHARDED : ROM_AE_REDUCE_ALLREDUCE;
  if (a.lr > 0) o.learning_rate = a.lr;
  if (a.validation >= 0) o.validation_fraction = a.validation;
  o.max_seconds = a.max_seconds;
  o.seed = a.seed;
  o.checkpoint_path = ckpt;
  o.checkpoint_every = a.ckpt_every;
  o.stop_after_epoch = a.stop_after > 0 ? a.stop_after : 0;
  o.resume_path = a.resume ? ckpt : NULL;
  o.stop_flag = &train_stop_requested;
  if (a.init)
    cli_printf(ctx,
               "train: %s: N = %lld, %lld snapshots; continuing %s (%lld parameters: its "
               "layers, weights and scaling); %d rank%s\n",
               a.input, (long long)N, (long long)m, a.init, (long long)rom_ae_num_params(ae),
               rom_ctx_size(ctx), rom_ctx_size(ctx) == 1 ? "" : "s");
  else
    cli_printf(
        ctx,
        "train: %s: N = %lld, %lld snapshots; network %lld -> %lld (%s%s, bias) -> %lld -> %lld "
        "(%s%s) -> %lld, mask %s, %lld parameters; %d rank%s\n",
        a.input, (long long)N, (long long)m, (long long)N, (long long)h1,
        enc_masked == ROM_AE_NETWORK_MASKED ? "masked, " : "", rom_activation_name(act),
        (long long)a.latent, (long long)h2, rom_activation_name(act), dbias ? ", bias" : "",
        (long long)N, mask_spec, (long long)rom_ae_num_params(ae), rom_ctx_size(ctx),
        rom_ctx_size(ctx) == 1 ? "" : "s");
  /* the per-epoch lines are the library's, at ROM_LOG_INFO: the CLI's default level, which
   * -q and ROMKIT_LOG=0 lower */
  double t0 = MPI_Wtime();
  {
    /* SIGINT/SIGTERM only raise the flag; the loop checkpoints after the epoch and returns.
     * SA_RESETHAND: a second signal kills at once (the last checkpoint stays intact). */
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = train_on_signal;
    sa.sa_flags = (int)SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    train_stop_requested = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    rom_stage_begin(ctx, "train: training");
    err = rom_ae_train_dmat(ae, S, &o);
    rom_stage_end(ctx, "train: training");
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
  }
  if (err == ROM_OK && rom_ae_train_interrupted(ae)) {
    rom_int epochs = 0;
    rom_ae_history(ae, &epochs, NULL, NULL, NULL, NULL);
    cli_printf(ctx,
               "train: stopped after epoch %lld of %lld%s; checkpoint %s written, continue with "
               "the same command and --resume\n",
               (long long)epochs, (long long)o.epochs,
               train_stop_requested == SIGINT    ? " (SIGINT)"
               : train_stop_requested == SIGTERM ? " (SIGTERM)"
                                                 : "",
               ckpt);
    if (cli_json_mode()) {
      cli_json_begin(ctx);
      cli_json_string(ctx, "command", "train");
      cli_json_string(ctx, "input", a.input);
      cli_json_string(ctx, "checkpoint", ckpt);
      cli_json_string(ctx, "status", "interrupted");
      cli_json_integer(ctx, "epochs", (long long)epochs);
      cli_json_end(ctx);
    }
    rc = TRAIN_EXIT_INTERRUPTED;
    goto done;
  }
  rom_stage_begin(ctx, "train: write the network");
  if (err == ROM_OK) err = rom_ae_write(ae, a.output, a.overwrite);
  rom_stage_end(ctx, "train: write the network");
  if (err != ROM_OK) {
    rc = cli_fail(ctx, "train", err);
    goto done;
  }
  MPI_Barrier(rom_ctx_comm(ctx)); /* every rank is done with the checkpoint */
  if (rom_ctx_rank(ctx) == 0) remove(ckpt);
  {
    rom_int epochs = 0;
    const double *loss, *val;
    rom_ae_history(ae, &epochs, &loss, &val, NULL, NULL);
    rom_int best = rom_ae_best_epoch(ae);
    if (cli_json_mode()) {
      cli_json_begin(ctx);
      cli_json_string(ctx, "command", "train");
      cli_json_string(ctx, "input", a.input);
      cli_json_string(ctx, "output", a.output);
      cli_json_string(ctx, "status", "done");
      cli_json_integer(ctx, "N", (long long)N);
      cli_json_integer(ctx, "snapshots", (long long)m);
      cli_json_integer(ctx, "latent", (long long)rom_ae_latent_dim(ae));
      cli_json_integer(ctx, "parameters", (long long)rom_ae_num_params(ae));
      cli_json_integer(ctx, "epochs", (long long)epochs);
      cli_json_integer(ctx, "best_epoch", (long long)best);
      cli_json_number(ctx, "loss", best >= 0 ? loss[best] : NAN);
      cli_json_number(ctx, "validation_loss", best >= 0 ? val[best] : NAN);
      cli_json_number(ctx, "seconds", MPI_Wtime() - t0);
      cli_json_integer(ctx, "ranks", rom_ctx_size(ctx));
      cli_json_end(ctx);
    }
    cli_printf(ctx,
               "train: %lld epochs in %.2f s (%.3f s/epoch), best epoch %lld: loss %.6e, "
               "validation loss %.6e -> %s\n",
               (long long)epochs, MPI_Wtime() - t0,
               (MPI_Wtime() - t0) / (double)(epochs > 0 ? epochs : 1), (long long)best,
               best >= 0 ? loss[best] : NAN, best >= 0 ? val[best] : NAN, a.output);
  }
done:
  rom_ae_destroy(&ae);
  rom_dmat_destroy(&S);
  return rc;
}
