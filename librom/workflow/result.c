/* The reproduction's result as the JSON line of `romkit reproduce --json`
 * (romkit/workflow.h): written once here, so the CLI and Python (romkit.workflow) give the
 * same keys and the same numbers (%.17g reads back exactly). */
#include "workflow/workflow_impl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *rom_reproduce_component_name(int ncomp, int c) {
  static const char *const names[ROM_PROBLEM_MAX_COMPONENTS] = {"u",  "v",  "w",  "c3",
                                                                "c4", "c5", "c6", "c7"};
  if (ncomp <= 1 || c < 0 || c >= ROM_PROBLEM_MAX_COMPONENTS) return "";
  return names[c];
}

size_t rom_reproduce_sizeof(const char *record) {
  if (!record) return 0;
  if (!strcmp(record, "rom_reproduce_options")) return sizeof(rom_reproduce_options);
  if (!strcmp(record, "rom_reproduce_result")) return sizeof(rom_reproduce_result);
  return 0;
}

/* A growing text: writes what fits into buf, counts what the whole would need. */
typedef struct {
  char *buf;
  size_t len, need;
} text;

static void add(text *t, const char *fmt, ...) ROM_PRINTF(2, 3);
static void add(text *t, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const size_t room = t->need < t->len ? t->len - t->need : 0;
  int w = vsnprintf(room ? t->buf + t->need : NULL, room, fmt, ap);
  va_end(ap);
  if (w > 0) t->need += (size_t)w;
}

static void number(text *t, double v) {
  if (isfinite(v))
    add(t, "%.17g", v);
  else
    add(t, "null");
}

static void string(text *t, const char *s) {
  add(t, "\"");
  for (; *s; ++s) {
    if (*s == '"' || *s == '\\') add(t, "\\");
    if ((unsigned char)*s >= 0x20) add(t, "%c", *s);
  }
  add(t, "\"");
}

/* one parameter point: the number itself for one parameter, else a list */
static void point(text *t, const double *mu, int p) {
  if (p != 1) add(t, "[");
  for (int i = 0; i < p; ++i) {
    char one[40];
    rom_reproduce_format_number(mu[i], one, sizeof one);
    add(t, "%s%s", i ? ", " : "", one);
  }
  if (p != 1) add(t, "]");
}

int rom_reproduce_result_json(const rom_reproduce_result *r, char *buf, size_t len,
                              size_t *needed) {
  if (!r || (!buf && len > 0)) return ROM_ERR_ARG;
  text t = {buf, len, 0};
  const int nm = rom_reproduce_method_is_manifold(r->method);
  const int hr = rom_reproduce_method_is_hyper(r->method);
  add(&t, "{\"method\": \"%s\", \"problem\": ", rom_reproduce_method_name(r->method));
  string(&t, r->problem);
  add(&t, ", \"test_param\": ");
  if (r->num_parameters == 1)
    number(&t, r->test[0]);
  else
    point(&t, r->test, r->num_parameters);
  add(&t, ", \"dim\": %lld, \"avg_error_pct\": ", (long long)r->dim);
  number(&t, r->avg_error_pct[0]);
  add(&t, ", \"max_error_pct\": ");
  number(&t, r->max_error_pct[0]);
  add(&t, ", \"fom_seconds\": ");
  number(&t, r->fom_seconds);
  add(&t, ", \"rom_seconds\": ");
  number(&t, r->rom_seconds);
  add(&t, ", \"speedup\": ");
  number(&t, r->fom_seconds / r->rom_seconds);
  for (int c = 1; c < r->num_components; ++c) {
    const char *name = rom_reproduce_component_name(r->num_components, c);
    add(&t, ", \"%s_avg_error_pct\": ", name);
    number(&t, r->avg_error_pct[c]);
    add(&t, ", \"%s_max_error_pct\": ", name);
    number(&t, r->max_error_pct[c]);
  }
  add(&t, ", \"published_avg_pct\": ");
  number(&t, r->has_published ? r->published_avg_pct : NAN);
  add(&t, ", \"published_max_pct\": ");
  number(&t, r->has_published ? r->published_max_pct : NAN);
  add(&t, ", \"train_params\": [");
  for (int i = 0; i < r->ntrain; ++i) {
    add(&t, "%s", i ? "," : "");
    point(&t, r->train + (size_t)i * (size_t)r->num_parameters, r->num_parameters);
  }
  add(&t, "], \"steps\": %lld, \"ranks\": %d", (long long)r->steps, r->ranks);
  add(&t, ", \"fom_ms_per_step\": ");
  number(&t, 1e3 * r->fom_seconds / (double)r->steps);
  add(&t, ", \"rom_ms_per_step\": ");
  number(&t, 1e3 * r->rom_seconds / (double)r->steps);
  if (r->rom_residual_evaluations > 0) { /* the ROM's split (rom_nlrom_stats) */
    add(&t, ", \"rom_decoder_ms_per_step\": ");
    number(&t, 1e3 * r->rom_decoder_seconds / (double)r->steps);
    add(&t, ", \"rom_model_ms_per_step\": ");
    number(&t, 1e3 * r->rom_model_seconds / (double)r->steps);
    add(&t, ", \"rom_residual_evaluations\": %lld", (long long)r->rom_residual_evaluations);
  }
  add(&t, ", \"fom_cpu_seconds\": ");
  number(&t, r->fom_cpu_seconds);
  add(&t, ", \"rom_cpu_seconds\": ");
  number(&t, r->rom_cpu_seconds);
  add(&t,
      ", \"fom_newton_iterations\": %lld, \"rom_iterations\": %lld, "
      "\"rom_not_converged_steps\": %lld, \"max_iterations\": %d, \"tolerance\": ",
      (long long)r->fom_newton_iterations, (long long)r->rom_iterations,
      (long long)r->rom_not_converged_steps, r->max_iterations);
  number(&t, r->tolerance);
  add(&t, ", \"initial_guess\": \"%s\"",
      r->initial_guess == ROM_NLROM_GUESS_EXTRAPOLATE ? "extrapolate" : "previous");
  add(&t, ", \"convergence_check\": \"%s\"",
      r->convergence_check == ROM_NLROM_CHECK_LAGGED ? "lagged" : "exact");
  if (nm) {
    add(&t, ", \"ae_seed\": %llu, \"ae_files\": [", (unsigned long long)r->ae_seed);
    for (int c = 0; c < r->num_components; ++c) {
      if (c) add(&t, ", ");
      string(&t, r->ae_files[c]);
    }
    add(&t, "], \"ae_train_seconds\": ");
    number(&t, r->ae_train_seconds);
    if (hr)
      add(&t, ", \"hr_decoder_hidden_units\": %lld, \"hr_decoder_params\": %lld",
          (long long)r->hr_decoder_hidden_units, (long long)r->hr_decoder_params);
  }
  if (hr)
    add(&t,
        ", \"hr_method\": \"%s\", \"hr_basis\": %lld, \"hr_samples\": %lld, "
        "\"hr_sample_mesh\": %s, \"hr_total_samples\": %lld, \"hr_needed_rows\": %lld",
        rom_hyper_method_name(r->hr_method), (long long)r->hr_basis, (long long)r->hr_samples,
        r->hr_sample_mesh ? "true" : "false", (long long)r->hr_total_samples,
        (long long)r->hr_needed_rows);
  if (hr) {
    add(&t, ", \"hr_sizes\": \"%s\"", rom_reproduce_hr_sizes_name(r->hr_sizes));
    if (r->hr_sizes != ROM_REPRODUCE_HR_SIZES_GIVEN) {
      add(&t, ", \"hr_sizes_candidates\": %lld, \"hr_sizes_score_pct\": ",
          (long long)r->hr_sizes_candidates);
      number(&t, r->hr_sizes_score_pct);
      add(&t, ", \"hr_sizes_best_pct\": ");
      number(&t, r->hr_sizes_best_pct);
      add(&t, ", \"hr_sizes_seconds\": ");
      number(&t, r->hr_sizes_seconds);
    }
  }
  add(&t, ", \"workdir\": ");
  string(&t, r->workdir);
  add(&t, "}");
  if (needed) *needed = t.need + 1;
  if (len > 0 && t.need >= len) buf[len - 1] = '\0';
  return ROM_OK;
}
