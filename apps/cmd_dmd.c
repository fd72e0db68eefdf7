/* romkit dmd fit SNAPSHOTS.h5 -o DMD.h5 [--dt DT | --times FILE] [--t0 T0]
 *                [--energy E | --rank K] [--method M] [--control FILE] [--window W]
 *                [--amplitudes first|all] [--overwrite]
 * romkit dmd predict DMD.h5 (--times LIST | --from A --to B --steps K | --control FILE)
 *                -o OUT.h5 [--compare SNAPSHOTS.h5] [--overwrite]
 * romkit dmd info DMD.h5
 * Dynamic mode decomposition (include/romkit/dmd.h, docs/dmd.md): the fit reads the snapshot
 * file on an even row partition (rom_snapshots_read), fits (rom_dmd_fit) and writes a DMD
 * file (rom_dmd_write); predict writes its states as a snapshot file with /times. */
#include "cli.h"

#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const dmd_help =
    "usage: [mpirun -n P] romkit dmd fit SNAPSHOTS.h5 -o DMD.h5 [--dt DT | --times FILE]\n"
    "                 [--t0 T0] [--energy E | --rank K] [--method M] [--control FILE]\n"
    "                 [--window W] [--amplitudes first|all] [--overwrite]\n"
    "       [mpirun -n P] romkit dmd predict DMD.h5 (--times T1,T2,... | --from A --to B\n"
    "                 --steps K | --control FILE) -o OUT.h5 [--compare SNAPSHOTS.h5]\n"
    "                 [--overwrite]\n"
    "       [mpirun -n P] romkit dmd info DMD.h5\n\n"
    "Dynamic mode decomposition: a linear model x(t) ~ Re sum_i phi_i b_i exp(omega_i t)\n"
    "fitted to the snapshots of SNAPSHOTS.h5 (dataset /snapshots {m, N}), from data alone.\n\n"
    "fit options:\n"
    "  -o, --output PATH  the DMD file to write (kind \"dmd\", docs/file-format.md)\n"
    "  --dt DT            time step between snapshots (default: the file's /times if it\n"
    "                     has them, else 1)\n"
    "  --times FILE       the m time stamps, a text file of numbers (increasing; irregular\n"
    "                     steps need a method that accepts them)\n"
    "  --t0 T0            time of the first snapshot with --dt (default 0)\n"
    "  --energy E         rank of the SVD: smallest k keeping E of sum s_i^2, E in (0, 1]\n"
    "                     (default 0.9999999999)\n"
    "  --rank K           rank K instead (K >= 1)\n"
    "  --method M         the DMD method (docs/dmd.md):\n"
    "%s"
    "  --control FILE     dmdc: the inputs, a text file of m - 1 lines of q numbers (the\n"
    "                     input u_k applied between snapshots k and k + 1)\n"
    "  --window W         windowed DMD: one DMD per W snapshots (W >= 2)\n"
    "  --amplitudes A     first: fit the amplitudes to x_0 (default); all: to every snapshot\n"
    "predict options:\n"
    "  --times LIST       comma-separated times, or --from A --to B --steps K (K + 1 times)\n"
    "  --control FILE     dmdc: step the model from the first snapshot with these inputs\n"
    "                     (one line of q numbers per step)\n"
    "  --compare FILE     print the relative error against this snapshot file (same number\n"
    "                     of states)\n"
    "  -o, --output PATH  the predicted states, a snapshot file with /times\n"
    "common:\n"
    "  --overwrite        replace an existing output file (otherwise: error, untouched)\n"
    "  --json             one JSON object on stdout (fit, info: method, sizes, eigenvalues\n"
    "                     and omegas per window; predict: states, errors); text to stderr\n"
    "  -h, --help         this text\n\n"
    "Exit codes: 0 success, 1 failure (the message says why), 2 bad arguments.\n";

/* A text file of numbers: all of them (count), and the number of lines holding numbers
 * with the count of the first such line (per_line; -1 if lines differ). Rank 0 reads,
 * every rank gets the result. 0 on success, else the usage error was printed. */
static int read_numbers(rom_ctx *ctx, const char *what, const char *path, double **out,
                        rom_int *count, rom_int *lines, rom_int *per_line) {
  long long info[4] = {0, 0, 0, 0}; /* ok, count, lines, per_line */
  double *v = NULL;
  if (rom_ctx_rank(ctx) == 0) {
    FILE *f = fopen(path, "r");
    char line[65536];
    size_t cap = 0;
    info[0] = f != NULL;
    info[3] = -2;
    while (f && info[0] == 1 && fgets(line, sizeof line, f)) {
      char *p = line, *end;
      long long here = 0;
      for (;;) {
        double x;
        while (*p == ' ' || *p == '\t' || *p == ',' || *p == '\n' || *p == '\r')
          p++;
        if (*p == '\0' || *p == '#') break;
        x = strtod(p, &end);
        if (end == p || !isfinite(x)) {
          info[0] = 2;
          break;
        }
        if ((size_t)info[1] == cap) {
          cap = cap ? 2 * cap : 256;
          v = realloc(v, sizeof(double) * cap);
        }
        v[info[1]++] = x;
        here++;
        p = end;
      }
      if (here > 0) {
        info[2]++;
        info[3] = info[3] == -2 ? here : (info[3] == here ? here : -1);
      }
    }
    if (f) fclose(f);
  }
  MPI_Bcast(info, 4, MPI_LONG_LONG, 0, rom_ctx_comm(ctx));
  if (info[0] != 1 || info[1] == 0) {
    free(v);
    cli_usage_error(ctx, "dmd", "%s file '%s' %s", what, path,
                    info[0] == 0   ? "cannot be opened"
                    : info[0] == 2 ? "holds something that is not a finite number"
                                   : "holds no numbers");
    return 1;
  }
  if (rom_ctx_rank(ctx) != 0) v = malloc(sizeof(double) * (size_t)info[1]);
  MPI_Bcast(v, (int)info[1], MPI_DOUBLE, 0, rom_ctx_comm(ctx));
  *out = v;
  *count = (rom_int)info[1];
  if (lines) *lines = (rom_int)info[2];
  if (per_line) *per_line = (rom_int)info[3];
  return 0;
}

/* The /times dataset of a snapshot file, if it holds m of them (rank 0 reads serially). */
static double *file_times(rom_ctx *ctx, const char *path, rom_int m) {
  long long n = 0;
  double *t = NULL;
  if (rom_ctx_rank(ctx) == 0) {
    H5E_auto2_t func = NULL;
    void *data = NULL;
    H5Eget_auto2(H5E_DEFAULT, &func, &data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f >= 0 && H5Lexists(f, "times", H5P_DEFAULT) > 0) {
      hid_t d = H5Dopen2(f, "times", H5P_DEFAULT);
      hid_t s = d >= 0 ? H5Dget_space(d) : -1;
      if (s >= 0 && H5Sget_simple_extent_npoints(s) == m) {
        t = malloc(sizeof(double) * (size_t)m);
        if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t) >= 0)
          n = m;
        else
          free(t), t = NULL;
      }
      if (s >= 0) H5Sclose(s);
      if (d >= 0) H5Dclose(d);
    }
    if (f >= 0) H5Fclose(f);
    H5Eset_auto2(H5E_DEFAULT, func, data);
  }
  MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, rom_ctx_comm(ctx));
  if (n == 0) return NULL;
  if (rom_ctx_rank(ctx) != 0) t = malloc(sizeof(double) * (size_t)m);
  MPI_Bcast(t, (int)m, MPI_DOUBLE, 0, rom_ctx_comm(ctx));
  return t;
}

/* The output checked before the work (romkit/output.h: directory present and writable on
 * every rank, file absent unless --overwrite); 0 if it can be written, else the error is
 * printed. */
static int output_refused(rom_ctx *ctx, const char *path, int overwrite) {
  int err = rom_output_check(ctx, path, overwrite);
  return err == ROM_OK ? 0 : (cli_fail(ctx, "dmd", err), 1);
}

/* The summary as JSON members: method, sizes, times, and per window the eigenvalues and
 * omegas as [re, im] pairs. */
static void json_summary(rom_ctx *ctx, const rom_dmd *d) {
  rom_int nw = rom_dmd_window_count(d);
  cli_json_string(ctx, "method", rom_dmd_method_name(rom_dmd_get_method(d)));
  cli_json_integer(ctx, "N", (long long)rom_dmd_global_rows(d));
  cli_json_integer(ctx, "snapshots", (long long)rom_dmd_snapshot_count(d));
  cli_json_number(ctx, "t0", rom_dmd_t0(d));
  cli_json_number(ctx, "t_end", rom_dmd_t_end(d));
  cli_json_number(ctx, "dt", rom_dmd_dt(d));
  cli_json_integer(ctx, "control_dim", (long long)rom_dmd_control_dim(d));
  cli_json_array(ctx, "windows");
  for (rom_int k = 0; k < nw; k++) {
    const rom_dmd *w = NULL;
    if (rom_dmd_window(d, k, &w) != ROM_OK) continue;
    const double *la = rom_dmd_eigenvalues(w), *om = rom_dmd_omegas(w);
    rom_int r = rom_dmd_rank(w);
    cli_json_object(ctx, NULL);
    cli_json_number(ctx, "t0", rom_dmd_t0(w));
    cli_json_number(ctx, "t_end", rom_dmd_t_end(w));
    cli_json_integer(ctx, "rank", (long long)r);
    cli_json_array(ctx, "eigenvalues");
    for (rom_int i = 0; i < r; i++)
      cli_json_numbers(ctx, NULL, la + 2 * i, 2);
    cli_json_end(ctx);
    cli_json_array(ctx, "omegas");
    for (rom_int i = 0; i < r; i++)
      cli_json_numbers(ctx, NULL, om + 2 * i, 2);
    cli_json_end(ctx);
    cli_json_end(ctx);
  }
  cli_json_end(ctx);
}

static void print_summary(rom_ctx *ctx, const rom_dmd *d) {
  rom_int nw = rom_dmd_window_count(d);
  cli_printf(ctx, "method %s, N = %lld, %lld snapshots, t = %.6g .. %.6g, dt = %.6g%s\n",
             rom_dmd_method_name(rom_dmd_get_method(d)), (long long)rom_dmd_global_rows(d),
             (long long)rom_dmd_snapshot_count(d), rom_dmd_t0(d), rom_dmd_t_end(d), rom_dmd_dt(d),
             rom_dmd_control_dim(d) > 0 ? ", with control" : "");
  for (rom_int k = 0; k < nw; k++) {
    const rom_dmd *w = NULL;
    if (rom_dmd_window(d, k, &w) != ROM_OK) continue;
    const double *la = rom_dmd_eigenvalues(w), *om = rom_dmd_omegas(w),
                 *sd = rom_dmd_eigenvalue_std(w);
    rom_int r = rom_dmd_rank(w);
    if (nw > 1)
      cli_printf(ctx, "window %lld: t = %.6g .. %.6g, ", (long long)k, rom_dmd_t0(w),
                 rom_dmd_t_end(w));
    cli_printf(ctx, "rank %lld; eigenvalues (lambda, |lambda|, omega = log(lambda)/dt%s):\n",
               (long long)r, sd ? ", std of omega" : "");
    for (rom_int i = 0; i < r && i < 12; i++) {
      cli_printf(ctx, "  %2lld  %+.6f %+.6fi  |%.6f|  %+.6g %+.6gi", (long long)i, la[2 * i],
                 la[2 * i + 1], hypot(la[2 * i], la[2 * i + 1]), om[2 * i], om[2 * i + 1]);
      if (sd) cli_printf(ctx, "  +- %.3g %+.3gi", sd[2 * i], sd[2 * i + 1]);
      cli_printf(ctx, "\n");
    }
    if (r > 12) cli_printf(ctx, "  ... (%lld more)\n", (long long)(r - 12));
  }
}

static int dmd_fit(rom_ctx *ctx, int argc, char **argv) {
  const char *input = NULL, *output = NULL, *times_path = NULL, *control_path = NULL;
  int overwrite = 0, have_dt = 0, have_energy = 0, have_rank = 0, rc = CLI_EXIT_OK, err;
  rom_dmd_options o = rom_dmd_options_default();
  rom_dmat *X = NULL;
  rom_dmd *d = NULL;
  double *times = NULL, *control = NULL;
  rom_int q = 0;
  for (int i = 2; i < argc; ++i) {
    const char *a = argv[i];
    int has_value = i + 1 < argc;
    if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      if (!has_value) return cli_usage_error(ctx, "dmd", "%s needs a file name", a);
      output = argv[++i];
    } else if (!strcmp(a, "--dt") || !strcmp(a, "--t0")) {
      double v;
      if (!has_value || cli_parse_double(argv[++i], &v) != 0 || !isfinite(v))
        return cli_usage_error(ctx, "dmd", "%s needs a number", a);
      if (a[2] == 'd') {
        if (!(v > 0.0)) return cli_usage_error(ctx, "dmd", "--dt %s must be > 0", argv[i]);
        o.dt = v;
        have_dt = 1;
      } else {
        o.t0 = v;
      }
    } else if (!strcmp(a, "--times")) {
      if (!has_value) return cli_usage_error(ctx, "dmd", "--times needs a file of numbers");
      times_path = argv[++i];
    } else if (!strcmp(a, "--control")) {
      if (!has_value) return cli_usage_error(ctx, "dmd", "--control needs a file of inputs");
      control_path = argv[++i];
    } else if (!strcmp(a, "--energy")) {
      if (!has_value || cli_parse_double(argv[++i], &o.energy) != 0 ||
          !(o.energy > 0.0 && o.energy <= 1.0))
        return cli_usage_error(ctx, "dmd", "--energy needs a number in (0, 1]");
      have_energy = 1;
    } else if (!strcmp(a, "--rank")) {
      if (!has_value || cli_parse_int(argv[++i], &o.rank) != 0 || o.rank < 1)
        return cli_usage_error(ctx, "dmd", "--rank needs a whole number >= 1");
      have_rank = 1;
    } else if (!strcmp(a, "--window")) {
      if (!has_value || cli_parse_int(argv[++i], &o.window) != 0 || o.window < 2)
        return cli_usage_error(ctx, "dmd", "--window needs a whole number >= 2");
    } else if (!strcmp(a, "--amplitudes")) {
      if (!has_value) return cli_usage_error(ctx, "dmd", "--amplitudes needs first or all");
      ++i;
      if (!strcmp(argv[i], "first"))
        o.amplitudes = ROM_DMD_AMPLITUDES_FIRST;
      else if (!strcmp(argv[i], "all"))
        o.amplitudes = ROM_DMD_AMPLITUDES_ALL;
      else
        return cli_usage_error(ctx, "dmd", "--amplitudes '%s' is not first or all", argv[i]);
    } else if (!strcmp(a, "--method")) {
      char known[256];
      cli_list_names(CLI_DMD_METHODS, 0u, 0u, " or ", known, sizeof known);
      if (!has_value) return cli_usage_error(ctx, "dmd", "--method needs one of %s", known);
      if (rom_dmd_method_from_name(argv[++i], &o.method) != ROM_OK)
        return cli_usage_error(ctx, "dmd", "--method '%s' is not one of %s", argv[i], known);
    } else if (!strcmp(a, "--overwrite")) {
      overwrite = 1;
    } else if ((rc = cli_take_input(ctx, "dmd", "dmd fit", a, &input, "input file")) !=
               CLI_EXIT_OK) {
      return rc;
    }
  }
  if (!input) return cli_usage_error(ctx, "dmd", "missing the snapshot file (SNAPSHOTS.h5)");
  if (!output) return cli_usage_error(ctx, "dmd", "missing the output file (-o DMD.h5)");
  if (have_energy && have_rank)
    return cli_usage_error(ctx, "dmd", "give either --energy or --rank, not both");
  if (have_dt && times_path) return cli_usage_error(ctx, "dmd", "give either --dt or --times");
  if (have_rank) o.truncation = ROM_POD_TRUNCATE_RANK;
  if ((rom_dmd_method_rules(o.method) & ROM_DMD_RULE_CONTROL) && !control_path)
    return cli_usage_error(ctx, "dmd", "--method %s needs --control FILE",
                           rom_dmd_method_name(o.method));
  if (!(rom_dmd_method_rules(o.method) & ROM_DMD_RULE_CONTROL) && control_path)
    return cli_usage_error(ctx, "dmd", "--control applies to --method dmdc only");
  if (output_refused(ctx, output, overwrite)) return CLI_EXIT_FAILURE;

  double t0 = MPI_Wtime();
  if ((err = rom_snapshots_read(ctx, input, ROM_AUTO_ROWS, &X)) != ROM_OK) {
    rc = cli_fail(ctx, "dmd", err);
    goto done;
  }
  rom_int m = rom_dmat_cols(X);
  if (times_path) {
    rom_int count = 0;
    if (read_numbers(ctx, "the --times", times_path, &times, &count, NULL, NULL) != 0) {
      rc = CLI_EXIT_USAGE;
      goto done;
    }
    if (count != m) {
      rc = cli_usage_error(ctx, "dmd",
                           "--times file '%s' holds %lld times, but '%s' has %lld "
                           "snapshots",
                           times_path, (long long)count, input, (long long)m);
      goto done;
    }
  } else if (!have_dt) {
    times = file_times(ctx, input, m);
  }
  if (control_path) {
    rom_int count = 0, lines = 0;
    if (read_numbers(ctx, "the --control", control_path, &control, &count, &lines, &q) != 0) {
      rc = CLI_EXIT_USAGE;
      goto done;
    }
    if (q < 1 || lines != m - 1) {
      rc = cli_usage_error(ctx, "dmd",
                           "--control file '%s' must hold m - 1 = %lld lines of q numbers each "
                           "(one input per step), it has %lld lines%s",
                           control_path, (long long)(m - 1), (long long)lines,
                           q < 1 ? " of differing lengths" : "");
      goto done;
    }
  }
  if ((err = rom_dmd_fit(X, times, q, control, &o, &d)) != ROM_OK ||
      (err = rom_dmd_write(d, output, overwrite)) != ROM_OK) {
    rc = cli_fail(ctx, "dmd", err);
    goto done;
  }
  if (cli_json_mode()) {
    cli_json_begin(ctx);
    cli_json_string(ctx, "command", "dmd fit");
    cli_json_string(ctx, "input", input);
    cli_json_string(ctx, "output", output);
    json_summary(ctx, d);
    cli_json_number(ctx, "seconds", MPI_Wtime() - t0);
    cli_json_integer(ctx, "ranks", rom_ctx_size(ctx));
    cli_json_end(ctx);
  }
  cli_printf(ctx, "dmd fit: %s -> %s, %.3f s on %d rank%s\n", input, output, MPI_Wtime() - t0,
             rom_ctx_size(ctx), rom_ctx_size(ctx) == 1 ? "" : "s");
  print_summary(ctx, d);
done:
  rom_dmd_destroy(&d);
  rom_dmat_destroy(&X);
  free(times);
  free(control);
  return rc;
}

static int dmd_predict(rom_ctx *ctx, int argc, char **argv) {
  const char *input = NULL, *output = NULL, *list = NULL, *control_path = NULL, *compare = NULL;
  int overwrite = 0, have_from = 0, have_to = 0, rc = CLI_EXIT_OK, err;
  double from = 0.0, to = 0.0, *t = NULL, *control = NULL, *Xp = NULL;
  rom_int steps = -1, nt = 0, q = 0;
  rom_dmd *d = NULL;
  rom_snapshots *snap = NULL;
  rom_dmat *ref = NULL;
  for (int i = 2; i < argc; ++i) {
    const char *a = argv[i];
    int has_value = i + 1 < argc;
    if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      if (!has_value) return cli_usage_error(ctx, "dmd", "%s needs a file name", a);
      output = argv[++i];
    } else if (!strcmp(a, "--times")) {
      if (!has_value) return cli_usage_error(ctx, "dmd", "--times needs T1,T2,...");
      list = argv[++i];
    } else if (!strcmp(a, "--from") || !strcmp(a, "--to")) {
      double v;
      if (!has_value || cli_parse_double(argv[++i], &v) != 0 || !isfinite(v))
        return cli_usage_error(ctx, "dmd", "%s needs a number", a);
      if (a[2] == 'f')
        from = v, have_from = 1;
      else
        to = v, have_to = 1;
    } else if (!strcmp(a, "--steps")) {
      if (!has_value || cli_parse_int(argv[++i], &steps) != 0 || steps < 1)
        return cli_usage_error(ctx, "dmd", "--steps needs a whole number >= 1");
    } else if (!strcmp(a, "--control")) {
      if (!has_value) return cli_usage_error(ctx, "dmd", "--control needs a file of inputs");
      control_path = argv[++i];
    } else if (!strcmp(a, "--compare")) {
      if (!has_value) return cli_usage_error(ctx, "dmd", "--compare needs a snapshot file");
      compare = argv[++i];
    } else if (!strcmp(a, "--overwrite")) {
      overwrite = 1;
    } else if ((rc = cli_take_input(ctx, "dmd", "dmd predict", a, &input, "DMD file")) !=
               CLI_EXIT_OK) {
      return rc;
    }
  }
  if (!input) return cli_usage_error(ctx, "dmd", "missing the DMD file (DMD.h5)");
  if (!output) return cli_usage_error(ctx, "dmd", "missing the output file (-o OUT.h5)");
  int ways = (list != NULL) + (have_from || have_to || steps > 0) + (control_path != NULL);
  if (ways != 1)
    return cli_usage_error(ctx, "dmd",
                           "give the times as exactly one of --times LIST, --from A --to B "
                           "--steps K, or --control FILE");
  if ((have_from || have_to || steps > 0) && !(have_from && have_to && steps > 0 && to > from))
    return cli_usage_error(ctx, "dmd", "--from A --to B --steps K need all three, with B > A");
  if (list) {
    double buf[4096];
    int n = cli_parse_double_list(list, buf, 4096);
    if (n < 1) return cli_usage_error(ctx, "dmd", "--times '%s' is not a list of numbers", list);
    nt = n;
    t = malloc(sizeof(double) * (size_t)nt);
    memcpy(t, buf, sizeof(double) * (size_t)nt);
  } else if (steps > 0) {
    nt = steps + 1;
    t = malloc(sizeof(double) * (size_t)nt);
    for (rom_int j = 0; j < nt; j++)
      t[j] = from + (to - from) * (double)j / (double)steps;
  }
  if (output_refused(ctx, output, overwrite)) {
    free(t);
    return CLI_EXIT_FAILURE;
  }
  if ((err = rom_dmd_read(ctx, input, ROM_AUTO_ROWS, &d)) != ROM_OK) {
    rc = cli_fail(ctx, "dmd", err);
    goto done;
  }
  rom_int n = rom_dmd_local_rows(d), ld = n > 0 ? n : 1;
  if (control_path) {
    rom_int count = 0, lines = 0;
    if (read_numbers(ctx, "the --control", control_path, &control, &count, &lines, &q) != 0) {
      rc = CLI_EXIT_USAGE;
      goto done;
    }
    if (q != rom_dmd_control_dim(d)) {
      rc = cli_usage_error(ctx, "dmd",
                           "--control file '%s' has %lld inputs per line, the DMD in '%s' was "
                           "fitted with q = %lld",
                           control_path, (long long)q, input, (long long)rom_dmd_control_dim(d));
      goto done;
    }
    nt = lines + 1;
    t = malloc(sizeof(double) * (size_t)nt);
    for (rom_int j = 0; j < nt; j++)
      t[j] = rom_dmd_t0(d) + (double)j * rom_dmd_dt(d);
  }
  Xp = malloc(sizeof(double) * (size_t)(ld * nt));
  err = control_path ? rom_dmd_predict_control(d, NULL, nt - 1, control, Xp, ld)
                     : rom_dmd_predict_many(d, nt, t, Xp, ld);
  if (err != ROM_OK) {
    rc = cli_fail(ctx, "dmd", err);
    goto done;
  }
  {
    rom_snapshots_options so = rom_snapshots_options_default();
    if ((err = rom_snapshots_create(ctx, n, &so, &snap)) != ROM_OK) goto fail;
    for (rom_int j = 0; j < nt; j++)
      if ((err = rom_snapshots_add_tagged(snap, Xp + j * ld, t[j], NULL)) != ROM_OK) goto fail;
    if ((err = rom_snapshots_write(snap, output, overwrite)) != ROM_OK) goto fail;
  }
  cli_printf(ctx, "dmd predict: %lld states at t = %.6g .. %.6g -> %s\n", (long long)nt, t[0],
             t[nt - 1], output);
  double rel_error = NAN, worst_error = NAN;
  if (compare) {
    if ((err = rom_snapshots_read(ctx, compare, n, &ref)) != ROM_OK) goto fail;
    if (rom_dmat_cols(ref) != nt) {
      rc = cli_usage_error(ctx, "dmd", "--compare file '%s' has %lld snapshots, predicted %lld",
                           compare, (long long)rom_dmat_cols(ref), (long long)nt);
      goto done;
    }
    double acc[2] = {0.0, 0.0}, worst = 0.0;
    for (rom_int j = 0; j < nt; j++) {
      double s[2] = {0.0, 0.0};
      for (rom_int i = 0; i < n; i++) {
        double r = rom_dmat_data(ref)[i + j * rom_dmat_ld(ref)];
        s[0] += (Xp[i + j * ld] - r) * (Xp[i + j * ld] - r);
        s[1] += r * r;
      }
      MPI_Allreduce(MPI_IN_PLACE, s, 2, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx));
      acc[0] += s[0];
      acc[1] += s[1];
      if (s[1] > 0.0) worst = fmax(worst, sqrt(s[0] / s[1]));
    }
    rel_error = acc[1] > 0.0 ? sqrt(acc[0] / acc[1]) : 0.0;
    worst_error = worst;
    cli_printf(ctx, "relative error against %s: %.3e (Frobenius), worst state %.3e\n", compare,
               rel_error, worst);
  }
  if (cli_json_mode()) {
    cli_json_begin(ctx);
    cli_json_string(ctx, "command", "dmd predict");
    cli_json_string(ctx, "input", input);
    cli_json_string(ctx, "output", output);
    cli_json_integer(ctx, "states", (long long)nt);
    cli_json_number(ctx, "t_first", t[0]);
    cli_json_number(ctx, "t_last", t[nt - 1]);
    if (compare) {
      cli_json_string(ctx, "compare", compare);
      cli_json_number(ctx, "relative_error", rel_error);
      cli_json_number(ctx, "worst_state_error", worst_error);
    }
    cli_json_end(ctx);
  }
  goto done;
fail:
  rc = cli_fail(ctx, "dmd", err);
done:
  rom_snapshots_destroy(&snap);
  rom_dmat_destroy(&ref);
  rom_dmd_destroy(&d);
  free(t);
  free(control);
  free(Xp);
  return rc;
}

static int dmd_info(rom_ctx *ctx, int argc, char **argv) {
  rom_dmd *d = NULL;
  int err;
  if (argc != 3) return cli_usage_error(ctx, "dmd", "'dmd info' takes one DMD file");
  if ((err = rom_dmd_read(ctx, argv[2], ROM_AUTO_ROWS, &d)) != ROM_OK)
    return cli_fail(ctx, "dmd", err);
  if (cli_json_mode()) {
    cli_json_begin(ctx);
    cli_json_string(ctx, "command", "dmd info");
    cli_json_string(ctx, "file", argv[2]);
    json_summary(ctx, d);
    cli_json_end(ctx);
  }
  cli_printf(ctx, "file %s\n", argv[2]);
  print_summary(ctx, d);
  rom_dmd_destroy(&d);
  return CLI_EXIT_OK;
}

int cmd_dmd(rom_ctx *ctx, int argc, char **argv) {
  if (argc < 2 || cli_wants_help(argc, argv)) {
    char methods[2048];
    cli_printf(ctx, dmd_help,
               cli_describe_names(CLI_DMD_METHODS, 21, (int)rom_dmd_options_default().method,
                                  methods, sizeof methods));
    return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
  }
  if (!strcmp(argv[1], "fit")) return dmd_fit(ctx, argc, argv);
  if (!strcmp(argv[1], "predict")) return dmd_predict(ctx, argc, argv);
  if (!strcmp(argv[1], "info")) return dmd_info(ctx, argc, argv);
  return cli_usage_error(ctx, "dmd", "unknown action '%s': use fit, predict or info", argv[1]);
}
