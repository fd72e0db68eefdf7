/* The problem registry and the rom_problem object (romkit/problem.h).
 *
 * A reference problem is a value of one interface, an ops table, looked up by name — the
 * shape of PETSc's KSPRegister: the library's problems (P1, P2, P3 of docs/problems.md)
 * sit in a static table, a user's problems are appended by rom_problem_register, and the
 * CLI, Python and the workflows reach every one of them by name without branching on which
 * one they hold. rom_problem forwards each accessor to the table.
 *
 * The registry is process-wide (like PETSc's): a problem registered once is known to every
 * context. Registration is not thread-safe; lookups are, once registration is done. */
#include "core/check.h"
#include "problems/problem_impl.h"
#include "romkit/problem.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* The library's problems, in the order help texts list them. */
static const rom_problem_ops *builtin(int i) {
  switch (i) {
  case 0:
    return &rom_problem_ops_burgers1d;
  case 1:
    return &rom_problem_ops_burgers2d;
  case 2:
    return &rom_problem_ops_heat2d;
  default:
    return NULL;
  }
}
enum { NUM_BUILTIN = 3 };

/* A user registration: the copied table and the strings it points to. */
typedef struct {
  rom_problem_ops ops;
  char name[64];
  char summary[256];
  char aliases[256];
} registered;

static registered user[ROM_PROBLEM_MAX_REGISTERED];
static int num_user = 0;

struct rom_problem {
  rom_ctx *ctx;
  const rom_problem_ops *ops;
  void *impl;
  rom_problem_options opts; /* as given: the cache prefix is made of them */
  char prefix[96];
};

rom_problem_options rom_problem_options_default(void) {
  rom_problem_options o;
  o.local_rows = ROM_AUTO_ROWS;
  o.resolution = 0;
  o.steps = 0;
  return o;
}

/* ---- the registry ---------------------------------------------------------------------- */

static int same_name(const char *a, const char *b, size_t blen) {
  size_t i = 0;
  for (; i < blen && a[i]; ++i)
    if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i])) return 0;
  return i == blen && a[i] == '\0';
}

/* The next alias of a comma-separated list into one[cap], spaces trimmed; advances *list.
 * 0 at the end of the list or for an alias longer than cap - 1. */
static int next_alias(const char **list, char *one, size_t cap) {
  while (*list && **list) {
    const char *a = *list, *comma = strchr(a, ',');
    size_t len = comma ? (size_t)(comma - a) : strlen(a);
    *list = comma ? comma + 1 : a + len;
    while (len > 0 && *a == ' ')
      ++a, --len;
    while (len > 0 && a[len - 1] == ' ')
      --len;
    if (len == 0) continue;
    if (len >= cap) return 0;
    memcpy(one, a, len);
    one[len] = '\0';
    return 1;
  }
  return 0;
}

/* 1 when `name` is the table's name or one of its comma-separated aliases. */
static int matches(const rom_problem_ops *ops, const char *name) {
  char one[64];
  if (same_name(name, ops->name, strlen(ops->name))) return 1;
  for (const char *list = ops->aliases; next_alias(&list, one, sizeof one);)
    if (same_name(name, one, strlen(one))) return 1;
  return 0;
}

int rom_problem_count(void) {
  return NUM_BUILTIN + num_user;
}

const rom_problem_ops *rom_problem_ops_at(int i) {
  if (i < 0) return NULL;
  if (i < NUM_BUILTIN) return builtin(i);
  return i - NUM_BUILTIN < num_user ? &user[i - NUM_BUILTIN].ops : NULL;
}

const char *rom_problem_name(int i) {
  const rom_problem_ops *ops = rom_problem_ops_at(i);
  return ops ? ops->name : NULL;
}

const rom_problem_ops *rom_problem_find(const char *name) {
  if (!name) return NULL;
  for (int i = 0; i < rom_problem_count(); ++i)
    if (matches(rom_problem_ops_at(i), name)) return rom_problem_ops_at(i);
  return NULL;
}

const char *rom_problem_names(char *buf, size_t len) {
  size_t n = 0;
  if (!buf || len == 0) return buf;
  buf[0] = '\0';
  for (int i = 0; i < rom_problem_count() && n < len; ++i)
    n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "", rom_problem_name(i));
  return buf;
}

/* Copies src into dst[cap]; 0 when it does not fit. */
static int copy_string(char *dst, size_t cap, const char *src) {
  if (!src) src = "";
  if (strlen(src) >= cap) return 0;
  memcpy(dst, src, strlen(src) + 1);
  return 1;
}

int rom_problem_register(const rom_problem_ops *ops) {
  if (!ops || !ops->name || !ops->name[0] || !ops->summary || !ops->create || !ops->destroy ||
      !ops->model || !ops->global_rows || !ops->local_rows || !ops->row_offset ||
      !ops->num_components || !ops->component_rows || !ops->num_parameters ||
      !ops->parameter_range || !ops->steps || !ops->time_step || !ops->initial || !ops->error ||
      !ops->recipe)
    return ROM_ERR_ARG;
  if (num_user >= ROM_PROBLEM_MAX_REGISTERED) return ROM_ERR_ARG;
  /* the name and every alias must be new: a lookup must never be ambiguous */
  if (rom_problem_find(ops->name)) return ROM_ERR_ARG;
  {
    char one[64];
    for (const char *list = ops->aliases; next_alias(&list, one, sizeof one);)
      if (rom_problem_find(one)) return ROM_ERR_ARG;
  }
  registered *r = &user[num_user];
  if (!copy_string(r->name, sizeof r->name, ops->name) ||
      !copy_string(r->summary, sizeof r->summary, ops->summary) ||
      !copy_string(r->aliases, sizeof r->aliases, ops->aliases))
    return ROM_ERR_ARG;
  r->ops = *ops;
  r->ops.name = r->name;
  r->ops.summary = r->summary;
  r->ops.aliases = r->aliases;
  ++num_user;
  return ROM_OK;
}

/* ---- the object ------------------------------------------------------------------------ */

int rom_problem_create(rom_ctx *ctx, const char *name, const rom_problem_options *opts,
                       rom_problem **out) {
  int err = ROM_OK;
  rom_problem *p = NULL;
  char known[512];
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "out must not be NULL");
  *out = NULL;
  ROM_CHECK(ctx, name != NULL, ROM_ERR_ARG, "the problem name is NULL (known problems: %s)",
            rom_problem_names(known, sizeof known));
  const rom_problem_ops *ops = rom_problem_find(name);
  ROM_CHECK(ctx, ops != NULL, ROM_ERR_ARG, "unknown problem '%s' (known problems: %s)", name,
            rom_problem_names(known, sizeof known));
  rom_problem_options o = opts ? *opts : rom_problem_options_default();
  ROM_CHECK(ctx, o.resolution >= 0 && o.steps >= 0, ROM_ERR_ARG,
            "problem %s: resolution = %lld and steps = %lld must be >= 0 (0: the default)",
            ops->name, (long long)o.resolution, (long long)o.steps);
  ROM_TRY(ctx, rom_calloc(ctx, 1, sizeof *p, (void **)&p));
  p->ctx = ctx;
  p->ops = ops;
  p->opts = o;
  {
    size_t n = (size_t)snprintf(p->prefix, sizeof p->prefix, "%s", ops->name);
    if (o.resolution && n < sizeof p->prefix)
      n += (size_t)snprintf(p->prefix + n, sizeof p->prefix - n, "_g%lld", (long long)o.resolution);
    if (o.steps && n < sizeof p->prefix)
      snprintf(p->prefix + n, sizeof p->prefix - n, "_s%lld", (long long)o.steps);
  }
  ROM_TRY(ctx, ops->create(ctx, &o, &p->impl));
  *out = p;
  p = NULL;
cleanup:
  rom_problem_destroy(&p);
  return err;
}

int rom_problem_destroy(rom_problem **pp) {
  if (!pp || !*pp) return ROM_OK;
  rom_problem *p = *pp;
  if (p->impl) p->ops->destroy(p->impl);
  rom_free(p->ctx, p);
  *pp = NULL;
  return ROM_OK;
}

const char *rom_problem_name_of(const rom_problem *p) {
  return p ? p->ops->name : NULL;
}
rom_ctx *rom_problem_ctx(const rom_problem *p) {
  return p ? p->ctx : NULL;
}
const rom_problem_ops *rom_problem_ops_of(const rom_problem *p) {
  return p ? p->ops : NULL;
}
rom_model *rom_problem_model(rom_problem *p) {
  return p ? p->ops->model(p->impl) : NULL;
}
rom_int rom_problem_global_rows(const rom_problem *p) {
  return p ? p->ops->global_rows(p->impl) : 0;
}
rom_int rom_problem_local_rows(const rom_problem *p) {
  return p ? p->ops->local_rows(p->impl) : 0;
}
rom_int rom_problem_row_offset(const rom_problem *p) {
  return p ? p->ops->row_offset(p->impl) : 0;
}
int rom_problem_num_components(const rom_problem *p) {
  return p ? p->ops->num_components(p->impl) : 0;
}
rom_int rom_problem_component_rows(const rom_problem *p) {
  return p ? p->ops->component_rows(p->impl) : 0;
}

/* Component c is the global rows [c R, (c + 1) R) (R = component_rows): the overlap with
 * this rank's rows [off, off + L). */
void rom_problem_component_local(const rom_problem *p, int c, rom_int *count, rom_int *first) {
  rom_int cnt = 0, fst = 0;
  if (p && c >= 0 && c < rom_problem_num_components(p)) {
    const rom_int R = rom_problem_component_rows(p), off = rom_problem_row_offset(p),
                  L = rom_problem_local_rows(p);
    const rom_int lo = (rom_int)c * R, hi = lo + R;
    const rom_int a = off > lo ? off : lo, b = off + L < hi ? off + L : hi;
    cnt = b > a ? b - a : 0;
    fst = b > a ? a - off : 0;
  }
  if (count) *count = cnt;
  if (first) *first = fst;
}

int rom_problem_num_parameters(const rom_problem *p) {
  return p ? p->ops->num_parameters(p->impl) : 0;
}
void rom_problem_parameter_range(const rom_problem *p, double *lower, double *upper,
                                 int *log_scale) {
  if (p && lower && upper && log_scale) p->ops->parameter_range(p->impl, lower, upper, log_scale);
}
rom_int rom_problem_steps(const rom_problem *p) {
  return p ? p->ops->steps(p->impl) : 0;
}
double rom_problem_time_step(const rom_problem *p) {
  return p ? p->ops->time_step(p->impl) : 0.0;
}

int rom_problem_initial(rom_problem *p, const double *mu, double *u0_local) {
  int err = ROM_OK;
  if (!p) return ROM_ERR_ARG;
  ROM_CHECK(p->ctx, mu != NULL, ROM_ERR_ARG, "problem %s: mu must not be NULL", p->ops->name);
  ROM_CHECK(p->ctx, u0_local != NULL || rom_problem_local_rows(p) == 0, ROM_ERR_ARG,
            "problem %s: u0_local must not be NULL on a rank with %lld rows", p->ops->name,
            (long long)rom_problem_local_rows(p));
  ROM_TRY(p->ctx, p->ops->initial(p->impl, mu, u0_local));
cleanup:
  return err;
}

int rom_problem_error(rom_problem *p, rom_int nstates, const double *fom_local,
                      const double *rom_local, int component, double *avg_pct, double *max_pct) {
  int err = ROM_OK;
  if (!p) return ROM_ERR_ARG;
  ROM_CHECK(p->ctx, component >= 0 && component < rom_problem_num_components(p), ROM_ERR_ARG,
            "problem %s: component %d is not one of 0..%d", p->ops->name, component,
            rom_problem_num_components(p) - 1);
  ROM_TRY(p->ctx,
          p->ops->error(p->impl, nstates, fom_local, rom_local, component, avg_pct, max_pct));
cleanup:
  return err;
}

int rom_problem_recipe_of(const rom_problem *p, rom_problem_recipe *r) {
  if (!p || !r) return ROM_ERR_ARG;
  memset(r, 0, sizeof *r);
  p->ops->recipe(p->impl, r);
  return ROM_OK;
}

int rom_problem_component_symmetry(const rom_problem *p, int from, int to, rom_int *perm) {
  int err = ROM_OK;
  if (!p) return ROM_ERR_ARG;
  const int nc = rom_problem_num_components(p);
  ROM_CHECK(p->ctx, p->ops->component_symmetry != NULL, ROM_ERR_UNSUPPORTED,
            "problem %s has no symmetry between its components", p->ops->name);
  ROM_CHECK(p->ctx, from >= 0 && from < nc && to >= 0 && to < nc, ROM_ERR_ARG,
            "problem %s: components %d and %d must lie in 0..%d", p->ops->name, from, to, nc - 1);
  ROM_CHECK(p->ctx, perm != NULL, ROM_ERR_ARG, "perm must not be NULL");
  ROM_TRY(p->ctx, p->ops->component_symmetry(p->impl, from, to, perm));
cleanup:
  return err;
}

const char *rom_problem_cache_prefix(const rom_problem *p) {
  return p ? p->prefix : NULL;
}

/* The problem of table `ops` with global_rows rows (rom_problem_create_for_rows). */
static int create_at_rows(rom_ctx *ctx, const rom_problem_ops *ops, rom_int global_rows,
                          rom_int local_rows, rom_problem **out) {
  int err = ROM_OK;
  rom_problem_options o = rom_problem_options_default();
  o.local_rows = local_rows;
  ROM_CHECK(ctx, global_rows >= 1, ROM_ERR_DIM, "problem %s: N = %lld rows must be >= 1", ops->name,
            (long long)global_rows);
  if (ops->resolution_for_rows)
    ROM_TRY(ctx, ops->resolution_for_rows(ctx, global_rows, &o.resolution));
  ROM_TRY(ctx, rom_problem_create(ctx, ops->name, &o, out));
  ROM_CHECK(ctx, rom_problem_global_rows(*out) == global_rows, ROM_ERR_DIM,
            "problem %s has N = %lld rows, not %lld", ops->name,
            (long long)rom_problem_global_rows(*out), (long long)global_rows);
cleanup:
  if (err != ROM_OK) rom_problem_destroy(out);
  return err;
}

int rom_problem_create_for_rows(rom_ctx *ctx, const char *name, rom_int global_rows,
                                rom_int local_rows, rom_problem **out) {
  int err = ROM_OK;
  char known[512];
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "out must not be NULL");
  *out = NULL;
  const rom_problem_ops *ops = rom_problem_find(name);
  ROM_CHECK(ctx, ops != NULL, ROM_ERR_ARG, "unknown problem '%s' (known problems: %s)",
            name ? name : "(null)", rom_problem_names(known, sizeof known));
  ROM_TRY(ctx, create_at_rows(ctx, ops, global_rows, local_rows, out));
cleanup:
  return err;
}

int rom_problem_recipe_for_rows(rom_ctx *ctx, const char *name, rom_int component_rows,
                                rom_problem_recipe *r) {
  int err = ROM_OK;
  rom_problem *p = NULL;
  char known[512];
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK(ctx, r != NULL, ROM_ERR_ARG, "r must not be NULL");
  const rom_problem_ops *ops = rom_problem_find(name);
  ROM_CHECK(ctx, ops != NULL, ROM_ERR_ARG, "unknown problem '%s' (known problems: %s)",
            name ? name : "(null)", rom_problem_names(known, sizeof known));
  /* the number of components, from the problem at its default resolution */
  ROM_TRY(ctx, rom_problem_create(ctx, ops->name, NULL, &p));
  const int nc = rom_problem_num_components(p);
  rom_problem_destroy(&p);
  ROM_TRY(ctx, create_at_rows(ctx, ops, (rom_int)nc * component_rows, ROM_AUTO_ROWS, &p));
  ROM_TRY(ctx, rom_problem_recipe_of(p, r));
cleanup:
  rom_problem_destroy(&p);
  return err;
}
