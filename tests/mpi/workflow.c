/* The reproduction workflow (romkit/workflow.h) at 1, 2 and 4 ranks on small P2 settings:
 * the method table; a POD-LSPG-HR run whose second run in the same work directory reads
 * every file from the cache and gives the same numbers bit for bit; the NM-LSPG run with the
 * v network mirrored from the u network, whose v error must equal the u error (the problem's
 * symmetry makes the mirrored ROM exact, docs/problems.md); the JSON line; and options the
 * problem cannot take, which fail with the same code on every rank. The numbers themselves
 * are checked against the published rows by tests/cli/reproduce.sh. Then the P3 demo
 * pipeline (rom_demo_run, check_demo). */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  char text[1 << 15];
  size_t used;
} collected;

static void collect(void *user, const char *text) {
  collected *c = user;
  size_t n = strlen(text);
  if (c->used + n < sizeof c->text) {
    memcpy(c->text + c->used, text, n + 1);
    c->used += n;
  }
}

static void check_methods(rom_ctx *ctx) {
  char names[256];
  rom_reproduce_method m;
  CHECK(rom_reproduce_method_count() == 6, "6 methods, got %d", rom_reproduce_method_count());
  for (int i = 0; i < rom_reproduce_method_count(); ++i) {
    const char *name = rom_reproduce_method_name((rom_reproduce_method)i);
    CHECK_OK(ctx, rom_reproduce_method_from_name(ctx, name, &m));
    CHECK((int)m == i, "%s -> %d", name, (int)m);
  }
  CHECK(!strcmp(rom_reproduce_method_names(names, sizeof names),
                "pod-galerkin, pod-lspg, pod-lspg-hr, nm-galerkin, nm-lspg or nm-lspg-hr"),
        "names: %s", names);
  CHECK_ERR(ctx, rom_reproduce_method_from_name(ctx, "pod-foo", &m), ROM_ERR_ARG);
  CHECK(strstr(rom_ctx_last_error(ctx), "nm-lspg-hr") != NULL, "message lists the methods: %s",
        rom_ctx_last_error(ctx));
  CHECK(rom_reproduce_method_is_manifold(ROM_REPRODUCE_NM_LSPG) &&
            !rom_reproduce_method_is_manifold(ROM_REPRODUCE_POD_LSPG_HR),
        "manifold flags");
  CHECK(rom_reproduce_method_is_hyper(ROM_REPRODUCE_NM_LSPG_HR) &&
            !rom_reproduce_method_is_hyper(ROM_REPRODUCE_NM_LSPG),
        "hyper flags");
  CHECK(rom_reproduce_method_is_galerkin(ROM_REPRODUCE_NM_GALERKIN) &&
            !rom_reproduce_method_is_galerkin(ROM_REPRODUCE_POD_LSPG),
        "galerkin flags");
  CHECK(!strcmp(rom_reproduce_method_name((rom_reproduce_method)17), "unknown"), "unknown");
}

static int small_p2(rom_ctx *ctx, rom_int grid, rom_problem **p) {
  rom_problem_options po = rom_problem_options_default();
  po.resolution = grid;
  po.steps = 12;
  return rom_problem_create(ctx, "P2", &po, p);
}

/* The P3 demo (rom_demo_run) on a small grid: the error table falls with k, the energy
 * criterion's row is last, a rerun with overwrite gives the same numbers bit for bit, and a
 * rerun without it, or bad options, fail on every rank. */
static void check_demo(rom_ctx *ctx, const char *dir) {
  rom_demo_result *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
  collected *log = calloc(1, sizeof *log);
  rom_demo_options o = rom_demo_options_default();
  o.n = 12;
  o.train = 12;
  o.test = 3;
  o.seed = 7;
  o.workdir = dir;
  o.overwrite = 1; /* the test directory may hold a previous run's files */
  o.progress = collect;
  o.progress_user = log;
  CHECK_OK(ctx, rom_demo_run(ctx, &o, a));
  CHECK(a->ranks == rom_ctx_size(ctx) && a->N == 144 && a->kmax == 12, "ranks %d N %lld k %lld",
        a->ranks, (long long)a->N, (long long)a->kmax);
  CHECK(a->nrows == 5 && a->largest_row == 3 && a->rows[3].k == 12, "rows %d, largest %d", a->nrows,
        a->largest_row);
  for (int i = 1; i <= a->largest_row; ++i)
    CHECK(a->rows[i].k > a->rows[i - 1].k && a->rows[i].err_max < a->rows[i - 1].err_max &&
              a->rows[i].err_mean < a->rows[i - 1].err_mean,
          "k = %lld: error %g not below k = %lld's %g", (long long)a->rows[i].k, a->rows[i].err_max,
          (long long)a->rows[i - 1].k, a->rows[i - 1].err_max);
  CHECK(a->rows[a->largest_row].err_max < 2e-2, "largest k error %g",
        a->rows[a->largest_row].err_max);
  CHECK(a->energy_k >= 1 && a->energy_k <= a->kmax && a->rows[4].k == a->energy_k, "energy k %lld",
        (long long)a->energy_k);
  CHECK(isfinite(a->transient_err_avg) && a->transient_err_avg < 0.1 &&
            a->transient_err_max >= a->transient_err_avg && a->transient_steps == 50,
        "transient error %g / %g", a->transient_err_avg, a->transient_err_max);
  if (rom_ctx_rank(ctx) == 0)
    CHECK(strstr(log->text, "largest k = 12: max relative error") != NULL &&
              strstr(log->text, "files in ") != NULL,
          "progress: %s", log->text);
  CHECK(!strcmp(a->workdir, dir), "workdir %s", a->workdir);

  o.progress = NULL; /* to the logger */
  CHECK_OK(ctx, rom_demo_run(ctx, &o, b));
  for (int i = 0; i < a->nrows; ++i)
    CHECK(a->rows[i].err_mean == b->rows[i].err_mean && a->rows[i].err_max == b->rows[i].err_max,
          "rerun row %d: %.17g vs %.17g", i, a->rows[i].err_max, b->rows[i].err_max);
  CHECK(a->transient_err_avg == b->transient_err_avg && a->s1 == b->s1, "rerun transient");

  /* the files exist: without overwrite every rank fails, rank 0 with the path */
  o.overwrite = 0;
  CHECK_ERR(ctx, rom_demo_run(ctx, &o, b), ROM_ERR_IO);
  if (rom_ctx_rank(ctx) == 0)
    CHECK(strstr(rom_ctx_last_error(ctx), "snapshots.h5 exists") != NULL, "%s",
          rom_ctx_last_error(ctx));
  o = rom_demo_options_default();
  o.n = 3;
  CHECK_ERR(ctx, rom_demo_run(ctx, &o, b), ROM_ERR_ARG);
  CHECK(strstr(rom_ctx_last_error(ctx), "n = 3") != NULL, "%s", rom_ctx_last_error(ctx));
  o = rom_demo_options_default();
  o.test = 0;
  CHECK_ERR(ctx, rom_demo_run(ctx, &o, b), ROM_ERR_ARG);
  o = rom_demo_options_default();
  o.workdir = "";
  CHECK_ERR(ctx, rom_demo_run(ctx, &o, b), ROM_ERR_ARG);
  CHECK_ERR(ctx, rom_demo_run(ctx, NULL, b), ROM_ERR_ARG);
  CHECK(rom_demo_sizeof("rom_demo_result") == sizeof(rom_demo_result) && rom_demo_sizeof("x") == 0,
        "sizeof");
  free(a);
  free(b);
  free(log);
}

int main(int argc, char **argv) {
  rom_ctx *ctx = test_init(&argc, &argv);
  rom_problem *p = NULL;
  rom_reproduce_result *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
  collected *log = calloc(1, sizeof *log);
  char dir[1024], json[8192];
  snprintf(dir, sizeof dir, "%s/workflow.np%d", test_dir(), rom_ctx_size(ctx));
  check_methods(ctx);
  CHECK_OK(ctx, small_p2(ctx, 12, &p));

  /* POD-LSPG-HR, twice in one work directory: the second run computes nothing offline */
  rom_reproduce_options o = rom_reproduce_options_default();
  o.method = ROM_REPRODUCE_POD_LSPG_HR;
  o.hr_basis = 20;
  o.hr_samples = 30;
  o.workdir = dir;
  CHECK_OK(ctx, rom_reproduce_run(ctx, p, &o, a));
  o.progress = collect;
  o.progress_user = log;
  CHECK_OK(ctx, rom_reproduce_run(ctx, p, &o, b));
  for (int c = 0; c < 2; ++c) {
    CHECK(a->avg_error_pct[c] == b->avg_error_pct[c] && a->max_error_pct[c] == b->max_error_pct[c],
          "component %d: %.17g / %.17g vs %.17g / %.17g from the cache", c, a->avg_error_pct[c],
          a->max_error_pct[c], b->avg_error_pct[c], b->max_error_pct[c]);
    CHECK(a->avg_error_pct[c] > 0 && a->avg_error_pct[c] < 10, "component %d error %g %%", c,
          a->avg_error_pct[c]);
  }
  CHECK(a->rom_iterations == b->rom_iterations && a->rom_iterations > 0, "iterations %lld",
        (long long)a->rom_iterations);
  CHECK(a->num_components == 2 && a->ranks == rom_ctx_size(ctx) && a->steps == 12 &&
            a->hr_total_samples > 30 && a->hr_total_samples <= 60 && !a->has_published,
        "record: %d components, %d ranks, %lld steps, %lld samples", a->num_components, a->ranks,
        (long long)a->steps, (long long)a->hr_total_samples);
  if (rom_ctx_rank(ctx) == 0) {
    CHECK(strstr(log->text, "state basis (5 vectors per component): cached") &&
              strstr(log->text, "residual basis (20 vectors per component): cached") &&
              !strstr(log->text, "Newton iterations ->"),
          "second run from the cache: %s", log->text);
  } else {
    CHECK(log->used == 0, "progress on rank 0 only");
  }

  /* the JSON line, and its length query */
  size_t need = 0;
  CHECK_OK(ctx, rom_reproduce_result_json(a, json, sizeof json, &need));
  CHECK(need == strlen(json) + 1, "needed %zu for %zu characters", need, strlen(json));
  CHECK(!strncmp(json,
                 "{\"method\": \"pod-lspg-hr\", \"problem\": \"P2\", \"test_param\": 1, "
                 "\"dim\": 5, \"avg_error_pct\": ",
                 70) &&
            strstr(json, "\"hr_basis\": 20, \"hr_samples\": 30") &&
            strstr(json, "\"train_params\": [0.9,0.95,1.05,1.1], \"steps\": 12") &&
            json[strlen(json) - 1] == '}',
        "json: %s", json);
  char small[16];
  CHECK_OK(ctx, rom_reproduce_result_json(a, small, sizeof small, &need));
  CHECK(strlen(small) == sizeof small - 1 && need == strlen(json) + 1, "truncated: %s", small);

  /* NM-LSPG: one trained network, v's mirrored; the symmetric problem gives equal errors */
  rom_problem_destroy(&p);
  CHECK_OK(ctx, small_p2(ctx, 8, &p));
  o = rom_reproduce_options_default();
  o.method = ROM_REPRODUCE_NM_LSPG;
  o.dim = 3;
  o.ae_epochs = 3;
  o.workdir = dir;
  CHECK_OK(ctx, rom_reproduce_run(ctx, p, &o, a));
  CHECK(a->dim == 3 && !strcmp(a->ae_files[0], "(trained)") &&
            !strcmp(a->ae_files[1], "(the u network mirrored)"),
        "networks: %s, %s", a->ae_files[0], a->ae_files[1]);
  CHECK_CLOSE(a->avg_error_pct[1], a->avg_error_pct[0], 1e-9, "v vs u error (mirrored network)");
  CHECK_CLOSE(a->max_error_pct[1], a->max_error_pct[0], 1e-9, "v vs u max error");
  {
    /* the same in single precision: another network, cached under its own name */
    const double avg_double = a->avg_error_pct[0];
    o.ae_precision = ROM_PRECISION_SINGLE;
    CHECK_OK(ctx, rom_reproduce_run(ctx, p, &o, a));
    CHECK(isfinite(a->avg_error_pct[0]) && a->avg_error_pct[0] != avg_double &&
              fabs(a->avg_error_pct[0] - avg_double) < 0.5 * avg_double,
          "single-precision network: error %.6g %% vs double's %.6g %% (close, not equal)",
          a->avg_error_pct[0], avg_double);
    int cached = 0;
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "ls %s/*_single_train*.h5 >/dev/null 2>&1", dir);
    if (rom_ctx_rank(ctx) == 0) cached = system(cmd) == 0;
    MPI_Bcast(&cached, 1, MPI_INT, 0, MPI_COMM_WORLD);
    CHECK(cached, "the single network is cached as *_single_train*.h5 in %s", dir);
  }

  /* options the problem cannot take: the same code on every rank, nothing run */
  o = rom_reproduce_options_default();
  o.workdir = dir;
  o.method = ROM_REPRODUCE_POD_LSPG_HR;
  o.hr_basis = 20;
  o.hr_samples = 10;
  CHECK_ERR(ctx, rom_reproduce_run(ctx, p, &o, a), ROM_ERR_ARG);
  CHECK(strstr(rom_ctx_last_error(ctx), "hr_samples") != NULL, "%s", rom_ctx_last_error(ctx));
  o.hr_samples = 1000;
  CHECK_ERR(ctx, rom_reproduce_run(ctx, p, &o, a), ROM_ERR_ARG);
  o = rom_reproduce_options_default();
  o.method = ROM_REPRODUCE_POD_LSPG;
  o.dim = 37; /* > 36 rows per component */
  CHECK_ERR(ctx, rom_reproduce_run(ctx, p, &o, a), ROM_ERR_ARG);
  o.dim = 0;
  o.ae_epochs = 3; /* a network option on a POD method */
  CHECK_ERR(ctx, rom_reproduce_run(ctx, p, &o, a), ROM_ERR_ARG);
  o.ae_epochs = 0;
  o.ae_precision = ROM_PRECISION_SINGLE; /* likewise */
  CHECK_ERR(ctx, rom_reproduce_run(ctx, p, &o, a), ROM_ERR_ARG);
  o = rom_reproduce_options_default();
  o.method = ROM_REPRODUCE_NM_LSPG;
  o.num_ae_files = 3;
  o.ae_files[0] = o.ae_files[1] = o.ae_files[2] = "x.h5";
  CHECK_ERR(ctx, rom_reproduce_run(ctx, p, &o, a), ROM_ERR_ARG);
  o = rom_reproduce_options_default();
  o.method = (rom_reproduce_method)42;
  CHECK_ERR(ctx, rom_reproduce_run(ctx, p, &o, a), ROM_ERR_ARG);
  CHECK_ERR(ctx, rom_reproduce_run(ctx, p, NULL, a), ROM_ERR_ARG);
  o = rom_reproduce_options_default();
  CHECK_ERR(ctx, rom_reproduce_run_named(ctx, "P3", &o, a), ROM_ERR_UNSUPPORTED);
  CHECK_ERR(ctx, rom_reproduce_run_named(ctx, "no-such-problem", &o, a), ROM_ERR_ARG);

  snprintf(dir, sizeof dir, "%s/workflow_demo.np%d", test_dir(), rom_ctx_size(ctx));
  check_demo(ctx, dir);

  rom_problem_destroy(&p);
  free(a);
  free(b);
  free(log);
  return test_finish(&ctx);
}
