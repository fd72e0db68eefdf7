/* romkit interp — parametric ROMs by interpolation on matrix manifolds (docs/interp.md).
 * `romkit interp heat` runs rom_parametric_heat_run (romkit/parametric.h) on the non-affine
 * heat problem P3X: local POD-Galerkin ROMs and DMDs at training parameters, interpolated
 * to unseen ones, against the FOM and a global POD-Galerkin ROM. This file parses the
 * arguments and prints the table.
 * `romkit interp dmd A.h5 B.h5 ... --params ... --at MU -o P.h5` is parametric DMD on DMD
 * files (rom_dmd_parametric): the result is a DMD file for `romkit dmd predict`. */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const help_dmd =
    "       [mpirun -n P] romkit interp dmd DMD1.h5 DMD2.h5 ... --params MU1,MU2,... --at MU\n"
    "         -o OUT.h5 [--method lagrange] [--neighbours M] [--manifold general]\n"
    "         [--outside refuse|warn|allow] [--overwrite]\n\n"
    "Parametric DMD (libROM's getParametricDMD): exact DMDs fitted at the training\n"
    "parameters (`romkit dmd fit --rank R`, the same R and dt) are interpolated to MU: their\n"
    "bases on the Grassmann manifold after Procrustes alignment, Atilde on --manifold\n"
    "(general or nonsingular); the initial state is the weighted sum of the training DMDs'\n"
    "own. OUT.h5 is a DMD file: `romkit dmd predict OUT.h5 ...`.\n\n";

static const char *const help_head =
    "usage: [mpirun -n P] romkit interp heat [--n 32] [--steps 50] [--dt 0.01] [--dim 6]\n"
    "         [--train -2,-1.5,..,2] [--test -1.3,0.3,1.7] [--method lagrange]\n"
    "         [--neighbours 2] [--shape EPS] [--manifold spd] [--dmd-manifold general]\n"
    "         [--outside refuse|warn|allow] [--no-dmd]\n\n"
    "Interpolated ROMs of the transient heat problem P3X (conductivity exp(mu x), not\n"
    "affine): a POD-Galerkin ROM and a DMD with control of dimension --dim at every\n"
    "training parameter, interpolated to each test parameter (bases on the Grassmann\n"
    "manifold after Procrustes alignment, reduced operators on --manifold; Amsallem and\n"
    "Farhat 2008, 2011), compared with the FOM, with the interpolated basis under the exact\n"
    "operator, with a global POD-Galerkin ROM of the same size, and with the test\n"
    "parameter's own POD (the best k-dimensional Galerkin ROM). Errors in percent\n"
    "(space-time relative, docs/problems.md).\n\n"
    "  --n N            interior nodes per direction (N^2 unknowns), 4..1024\n"
    "  --steps S        implicit Euler steps of size --dt\n"
    "  --dim K          ROM dimension (1..steps)\n"
    "  --train LIST     training parameters, comma-separated, 2..16 distinct values\n"
    "  --test LIST      test parameters, 1..16 values inside the training range\n"
    "  --method NAME    interpolant of the parameters:\n";

static const char *const help_tail =
    "  --neighbours M   use the M training points nearest to the test point (0: all;\n"
    "                   default 2: piecewise geodesic)\n"
    "  --shape EPS      RBF shape parameter (default: phi = 0.9 at the closest pair)\n"
    "  --manifold M     of the Galerkin operator: general, spd (default), nonsingular\n"
    "  --dmd-manifold M of the DMD's Atilde: general (default), nonsingular\n"
    "  --outside P      a test parameter outside the training range: refuse (default),\n"
    "                   warn (extrapolate with a warning), allow\n"
    "  --no-dmd         skip the parametric DMD\n"
    "  --json           (heat and dmd) one JSON object on stdout: the errors per test\n"
    "                   parameter and the timings (heat), the output's rank (dmd); the\n"
    "                   text goes to stderr\n";

static int manifold_of(const char *v, rom_matrix_manifold *m) {
  if (!strcmp(v, "general"))
    *m = ROM_MANIFOLD_GENERAL;
  else if (!strcmp(v, "spd"))
    *m = ROM_MANIFOLD_SPD;
  else if (!strcmp(v, "nonsingular"))
    *m = ROM_MANIFOLD_NONSINGULAR;
  else
    return 1;
  return 0;
}

static int parse(rom_ctx *ctx, int argc, char **argv, rom_parametric_heat_options *o) {
  if (argc < 2 || strcmp(argv[1], "heat"))
    return cli_usage_error(ctx, "interp",
                           "expected 'heat' or 'dmd' (romkit interp heat ..., romkit interp dmd "
                           "...)");
  for (int i = 2; i < argc; ++i) {
    const char *a = argv[i];
    if (!strcmp(a, "--no-dmd")) {
      o->dmd = 0;
      continue;
    }
    if (i + 1 >= argc)
      return cli_usage_error(ctx, "interp", "unknown option '%s' or missing value", a);
    const char *v = argv[++i];
    rom_int iv = 0;
    if (!strcmp(a, "--n") || !strcmp(a, "--steps") || !strcmp(a, "--dim") ||
        !strcmp(a, "--neighbours")) {
      if (cli_parse_int(v, &iv))
        return cli_usage_error(ctx, "interp", "%s expects an integer, got '%s'", a, v);
      if (!strcmp(a, "--n"))
        o->n = iv;
      else if (!strcmp(a, "--steps"))
        o->steps = iv;
      else if (!strcmp(a, "--dim"))
        o->dim = iv;
      else if (iv < 0 || iv > ROM_PARAMETRIC_MAX_POINTS)
        return cli_usage_error(ctx, "interp", "--neighbours must be in 0..%d",
                               ROM_PARAMETRIC_MAX_POINTS);
      else
        o->interp.neighbours = (int)iv;
    } else if (!strcmp(a, "--dt")) {
      if (cli_parse_double(v, &o->dt) || !(o->dt > 0.0))
        return cli_usage_error(ctx, "interp", "--dt expects a positive number, got '%s'", v);
    } else if (!strcmp(a, "--shape")) {
      if (cli_parse_double(v, &o->interp.shape) || !(o->interp.shape > 0.0))
        return cli_usage_error(ctx, "interp", "--shape expects a positive number, got '%s'", v);
    } else if (!strcmp(a, "--train") || !strcmp(a, "--test")) {
      const int train = !strcmp(a, "--train");
      int n = cli_parse_double_list(v, train ? o->train : o->test, ROM_PARAMETRIC_MAX_POINTS);
      if (n < (train ? 2 : 1))
        return cli_usage_error(ctx, "interp", "%s expects %d..%d comma-separated numbers, got '%s'",
                               a, train ? 2 : 1, ROM_PARAMETRIC_MAX_POINTS, v);
      if (train)
        o->ntrain = n;
      else
        o->ntest = n;
    } else if (!strcmp(a, "--method")) {
      if (rom_interp_method_from_name(v, &o->interp.method)) {
        char names[256] = "";
        for (int m = 0; m < rom_interp_method_count(); ++m) {
          strncat(names, m ? ", " : "", sizeof names - strlen(names) - 1);
          strncat(names, rom_interp_method_name((rom_interp_method)m),
                  sizeof names - strlen(names) - 1);
        }
        return cli_usage_error(ctx, "interp", "unknown --method '%s' (one of %s)", v, names);
      }
    } else if (!strcmp(a, "--manifold") || !strcmp(a, "--dmd-manifold")) {
      if (manifold_of(v, !strcmp(a, "--manifold") ? &o->manifold : &o->dmd_manifold))
        return cli_usage_error(ctx, "interp", "%s expects general, spd or nonsingular, got '%s'", a,
                               v);
    } else if (!strcmp(a, "--outside")) {
      if (!strcmp(v, "refuse"))
        o->interp.outside = ROM_INTERP_OUTSIDE_REFUSE;
      else if (!strcmp(v, "warn"))
        o->interp.outside = ROM_INTERP_OUTSIDE_WARN;
      else if (!strcmp(v, "allow"))
        o->interp.outside = ROM_INTERP_OUTSIDE_ALLOW;
      else
        return cli_usage_error(ctx, "interp", "--outside expects refuse, warn or allow, got '%s'",
                               v);
    } else {
      return cli_usage_error(ctx, "interp", "unknown option '%s'", a);
    }
  }
  if (o->n < 4 || o->n > 1024) return cli_usage_error(ctx, "interp", "--n must be in 4..1024");
  if (o->steps < 1 || o->steps > 100000)
    return cli_usage_error(ctx, "interp", "--steps must be in 1..100000");
  if (o->dim < 1 || o->dim > o->steps)
    return cli_usage_error(ctx, "interp", "--dim must be in 1..steps = %lld", (long long)o->steps);
  return CLI_EXIT_OK;
}

static int interp_dmd(rom_ctx *ctx, int argc, char **argv) {
  const char *files[64], *output = NULL;
  int nfiles = 0, nparams = -1, overwrite = 0, rc = ROM_OK;
  double params[64], at = NAN;
  rom_interp_options o = rom_interp_options_default();
  rom_matrix_manifold manifold = ROM_MANIFOLD_GENERAL;
  rom_dmd *dmds[64] = {0}, *out = NULL;
  o.method = ROM_INTERP_LAGRANGE;
  for (int i = 2; i < argc; ++i) {
    const char *a = argv[i];
    if (a[0] != '-') {
      if (nfiles == 64) return cli_usage_error(ctx, "interp", "at most 64 DMD files");
      files[nfiles++] = a;
      continue;
    }
    if (!strcmp(a, "--overwrite")) {
      overwrite = 1;
      continue;
    }
    if (i + 1 >= argc)
      return cli_usage_error(ctx, "interp", "unknown option '%s' or missing value", a);
    const char *v = argv[++i];
    rom_int iv = 0;
    if (!strcmp(a, "--params")) {
      nparams = cli_parse_double_list(v, params, 64);
      if (nparams < 2)
        return cli_usage_error(ctx, "interp", "--params expects 2..64 numbers, got '%s'", v);
    } else if (!strcmp(a, "--at")) {
      if (cli_parse_double(v, &at))
        return cli_usage_error(ctx, "interp", "--at expects a number, got '%s'", v);
    } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      output = v;
    } else if (!strcmp(a, "--method")) {
      if (rom_interp_method_from_name(v, &o.method))
        return cli_usage_error(ctx, "interp", "unknown --method '%s' (see romkit interp --help)",
                               v);
    } else if (!strcmp(a, "--neighbours")) {
      if (cli_parse_int(v, &iv) || iv < 0 || iv > 64)
        return cli_usage_error(ctx, "interp", "--neighbours expects 0..64, got '%s'", v);
      o.neighbours = (int)iv;
    } else if (!strcmp(a, "--manifold")) {
      if (manifold_of(v, &manifold) || manifold == ROM_MANIFOLD_SPD)
        return cli_usage_error(ctx, "interp", "--manifold expects general or nonsingular, got '%s'",
                               v);
    } else if (!strcmp(a, "--outside")) {
      if (!strcmp(v, "refuse"))
        o.outside = ROM_INTERP_OUTSIDE_REFUSE;
      else if (!strcmp(v, "warn"))
        o.outside = ROM_INTERP_OUTSIDE_WARN;
      else if (!strcmp(v, "allow"))
        o.outside = ROM_INTERP_OUTSIDE_ALLOW;
      else
        return cli_usage_error(ctx, "interp", "--outside expects refuse, warn or allow, got '%s'",
                               v);
    } else {
      return cli_usage_error(ctx, "interp", "unknown option '%s'", a);
    }
  }
  if (nfiles < 2) return cli_usage_error(ctx, "interp", "dmd needs at least 2 DMD files");
  if (nparams != nfiles)
    return cli_usage_error(ctx, "interp",
                           "--params must give one parameter per DMD file (%d files)", nfiles);
  if (isnan(at)) return cli_usage_error(ctx, "interp", "dmd needs --at MU");
  if (!output) return cli_usage_error(ctx, "interp", "dmd needs -o OUT.h5");
  /* the output is checked before any file is read (romkit/output.h) */
  if ((rc = rom_output_check(ctx, output, overwrite)) != ROM_OK) return cli_fail(ctx, "interp", rc);
  for (int i = 0; i < nfiles && rc == ROM_OK; ++i)
    rc = rom_dmd_read(ctx, files[i], ROM_AUTO_ROWS, &dmds[i]);
  if (rc == ROM_OK)
    rc = rom_dmd_parametric(nfiles, (const rom_dmd *const *)dmds, 1, params, &at, &o, manifold,
                            rom_dmd_t0(dmds[0]), NULL, &out);
  if (rc == ROM_OK) rc = rom_dmd_write(out, output, overwrite);
  if (rc == ROM_OK && cli_json_mode()) {
    cli_json_begin(ctx);
    cli_json_string(ctx, "command", "interp dmd");
    cli_json_integer(ctx, "files", nfiles);
    cli_json_integer(ctx, "rank", (long long)rom_dmd_rank(out));
    cli_json_number(ctx, "at", at);
    cli_json_string(ctx, "output", output);
    cli_json_end(ctx);
  }
  if (rc == ROM_OK)
    cli_printf(ctx, "interp dmd: %d DMDs of rank %lld at mu = %g -> %s\n", nfiles,
               (long long)rom_dmd_rank(out), at, output);
  for (int i = 0; i < nfiles; ++i)
    rom_dmd_destroy(&dmds[i]);
  rom_dmd_destroy(&out);
  return rc == ROM_OK ? CLI_EXIT_OK : cli_fail(ctx, "interp", rc);
}

static void log_line(void *user, rom_log_level level, const char *line) {
  (void)user;
  (void)level;
  fprintf(stderr, "romkit interp: %s\n", line);
}

int cmd_interp(rom_ctx *ctx, int argc, char **argv) {
  rom_parametric_heat_options o = rom_parametric_heat_options_default();
  rom_parametric_heat_result r;
  int exit_code;
  if (cli_wants_help(argc, argv)) {
    cli_printf(ctx, "%s", help_head);
    for (int m = 0; m < rom_interp_method_count(); ++m)
      cli_printf(ctx, "                     %-22s %s%s\n",
                 rom_interp_method_name((rom_interp_method)m),
                 rom_interp_method_description((rom_interp_method)m),
                 m == ROM_INTERP_LAGRANGE ? "; the default" : "");
    cli_printf(ctx, "%s\n%s", help_tail, help_dmd);
    return CLI_EXIT_OK;
  }
  if (argc >= 2 && !strcmp(argv[1], "dmd")) return interp_dmd(ctx, argc, argv);
  if ((exit_code = parse(ctx, argc, argv, &o)) != CLI_EXIT_OK) return exit_code;
  /* the warnings are the library's, at ROM_LOG_WARN, under the CLI's default level (info);
   * -q and ROMKIT_LOG=0 silence them as every log line */
  if (o.interp.outside == ROM_INTERP_OUTSIDE_WARN) rom_ctx_set_log_fn(ctx, log_line, NULL);
  int rc = rom_parametric_heat_run(ctx, &o, &r);
  if (rc != ROM_OK) return cli_fail(ctx, "interp", rc);
  if (cli_json_mode()) {
    cli_json_begin(ctx);
    cli_json_string(ctx, "command", "interp");
    cli_json_string(ctx, "method", rom_interp_method_name(o.interp.method));
    cli_json_integer(ctx, "n", (long long)o.n);
    cli_json_integer(ctx, "steps", (long long)o.steps);
    cli_json_integer(ctx, "dim", (long long)o.dim);
    cli_json_integer(ctx, "training_parameters", o.ntrain);
    cli_json_numbers(ctx, "mu", r.mu, r.ntest);
    cli_json_numbers(ctx, "error_interp_pct", r.err_interp, r.ntest);
    cli_json_numbers(ctx, "error_basis_only_pct", r.err_basis_only, r.ntest);
    cli_json_numbers(ctx, "error_global_pct", r.err_global, r.ntest);
    cli_json_numbers(ctx, "error_own_pod_pct", r.err_local, r.ntest);
    cli_json_array(ctx, "error_parametric_dmd_pct"); /* null where not computed */
    for (int t = 0; t < r.ntest; ++t)
      cli_json_number(ctx, NULL, r.err_dmd[t] >= 0.0 ? r.err_dmd[t] : NAN);
    cli_json_end(ctx);
    cli_json_number(ctx, "training_reproduction", r.train_reproduction);
    cli_json_number(ctx, "seconds_offline", r.seconds_offline);
    cli_json_number(ctx, "seconds_interpolate", r.seconds_interpolate);
    cli_json_number(ctx, "seconds_global_operator", r.seconds_global_operator);
    cli_json_end(ctx);
  }
  cli_printf(ctx,
             "P3X transient (n = %lld, %lld steps of %g), k = %lld, %d training parameters, "
             "%s on %d nearest, operator on the %s manifold\n",
             (long long)o.n, (long long)o.steps, o.dt, (long long)o.dim, o.ntrain,
             rom_interp_method_name(o.interp.method),
             o.interp.neighbours ? o.interp.neighbours : o.ntrain,
             o.manifold == ROM_MANIFOLD_SPD           ? "SPD"
             : o.manifold == ROM_MANIFOLD_NONSINGULAR ? "nonsingular"
                                                      : "general");
  cli_printf(ctx, "%8s %12s %12s %12s %12s %12s\n", "mu", "interp %", "basis-only %", "global %",
             "own POD %", "param DMD %");
  for (int t = 0; t < r.ntest; ++t) {
    char dmd[32];
    if (r.err_dmd[t] >= 0.0)
      snprintf(dmd, sizeof dmd, "%.3e", r.err_dmd[t]);
    else
      snprintf(dmd, sizeof dmd, "-");
    cli_printf(ctx, "%8.3f %12.3e %12.3e %12.3e %12.3e %12s\n", r.mu[t], r.err_interp[t],
               r.err_basis_only[t], r.err_global[t], r.err_local[t], dmd);
  }
  cli_printf(ctx, "training parameters reproduced to %.1e (relative)\n", r.train_reproduction);
  cli_printf(ctx,
             "offline %.3f s; per test parameter: interpolation %.2e s, the global ROM's "
             "operator V^T A(mu) V %.2e s\n",
             r.seconds_offline, r.seconds_interpolate, r.seconds_global_operator);
  return CLI_EXIT_OK;
}
