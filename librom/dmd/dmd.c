/* romkit — the DMD object: options, validation of the data, windows, the dispatch to the
 * method's fit through the table (dmd_methods.h), accessors and prediction. */
#include "core/check.h"
#include "dmd/dmd_methods.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

rom_dmd_options rom_dmd_options_default(void) {
  rom_dmd_options o;
  memset(&o, 0, sizeof(o));
  o.method = ROM_DMD_EXACT;
  o.truncation = ROM_POD_TRUNCATE_ENERGY;
  o.energy = 0.9999999999;
  o.rank = 0;
  o.control_rank = 0;
  o.svd_method = ROM_SVD_AUTO;
  o.dt = 1.0;
  o.t0 = 0.0;
  o.window = 0;
  o.amplitudes = ROM_DMD_AMPLITUDES_FIRST;
  return o;
}

int rom_dmd_alloc(rom_ctx *ctx, rom_dmd **out) {
  int err = ROM_OK;
  rom_dmd *d = NULL;
  ROM_TRY(ctx, rom_calloc(ctx, 1, sizeof(rom_dmd), (void **)&d));
  d->ctx = ctx;
  d->opts = rom_dmd_options_default();
  *out = d;
cleanup:
  return err;
}

int rom_dmd_set_rank(rom_dmd *dmd, rom_int r, rom_int local_rows) {
  int err = ROM_OK;
  rom_ctx *ctx = dmd->ctx;
  dmd->r = r;
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(2 * r), sizeof(double), (void **)&dmd->lambda));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(2 * r), sizeof(double), (void **)&dmd->omega));
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)(2 * r), sizeof(double), (void **)&dmd->amplitudes));
  ROM_TRY(ctx, rom_dmat_create(ctx, local_rows, r, &dmd->phi_re));
  ROM_TRY(ctx, rom_dmat_create(ctx, local_rows, r, &dmd->phi_im));
  dmd->local_rows = local_rows;
  dmd->N = rom_dmat_global_rows(dmd->phi_re);
cleanup:
  return err;
}

int rom_dmd_column_view(const rom_dmat *X, rom_int j0, rom_int cols, rom_dmat **out) {
  rom_int n = rom_dmat_local_rows(X), ld = rom_dmat_ld(X);
  /* a view never writes: the cast only satisfies rom_dmat_wrap's signature */
  double *data = (double *)rom_dmat_data_const(X);
  return rom_dmat_wrap(rom_dmat_ctx(X), n, cols, n > 0 ? data + j0 * ld : NULL, ld, out);
}

int rom_dmd_copy_cols(const rom_dmat *A, rom_int cols, rom_dmat **out) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(A);
  rom_dmat *B = NULL;
  rom_int n = rom_dmat_local_rows(A), j;
  ROM_TRY(ctx, rom_dmat_create(ctx, n, cols, &B));
  for (j = 0; j < cols && n > 0; j++)
    memcpy(rom_dmat_data(B) + j * rom_dmat_ld(B), rom_dmat_data_const(A) + j * rom_dmat_ld(A),
           sizeof(double) * (size_t)n);
  *out = B;
  B = NULL;
cleanup:
  rom_dmat_destroy(&B);
  return err;
}

int rom_dmd_destroy(rom_dmd **pdmd) {
  rom_dmd *d;
  rom_int i;
  if (!pdmd || !*pdmd) return ROM_OK;
  d = *pdmd;
  for (i = 0; i < d->nwin; i++)
    rom_dmd_destroy(&d->win[i]);
  rom_free(d->ctx, d->win);
  rom_free(d->ctx, d->lambda);
  rom_free(d->ctx, d->omega);
  rom_free(d->ctx, d->amplitudes);
  rom_free(d->ctx, d->omega_std);
  rom_free(d->ctx, d->sv);
  rom_free(d->ctx, d->Atilde);
  rom_free(d->ctx, d->Btilde);
  rom_free(d->ctx, d->y0);
  rom_dmat_destroy(&d->phi_re);
  rom_dmat_destroy(&d->phi_im);
  rom_dmat_destroy(&d->basis);
  rom_free(d->ctx, d);
  *pdmd = NULL;
  return ROM_OK;
}

/* ---- validation and the fit ---------------------------------------------------------- */

/* Stamps t_j = t0 + j dt within 1e-10 relative to the span count as uniform. */
static int stamps_uniform(const double *t, rom_int m, double *dt) {
  rom_int j;
  double span = t[m - 1] - t[0], h = span / (double)(m - 1);
  *dt = h;
  for (j = 1; j < m; j++)
    if (fabs(t[j] - t[j - 1] - h) > 1e-10 * fabs(span)) return 0;
  return 1;
}

/* Replicated inputs (times, controls) must be the same on every rank, or the ranks would fit
 * different models without noticing: compare against the ranks' maximum. Collective. */
static int check_replicated(rom_ctx *ctx, rom_int n, const double *a, const char *what) {
  int err = ROM_OK;
  double *mx = NULL;
  rom_int i, bad = -1;
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(n > 0 ? n : 1), (void **)&mx));
  ROM_MPI(ctx, MPI_Allreduce(a, mx, (int)n, MPI_DOUBLE, MPI_MAX, rom_ctx_comm(ctx)));
  for (i = 0; i < n && bad < 0; i++)
    if (mx[i] != a[i]) bad = i;
  ROM_CHECK_ALL(ctx, bad < 0, ROM_ERR_ARG,
                "%s differ between ranks (entry %lld is %.17g here, %.17g on another rank): pass "
                "the same values on every rank",
                what, (long long)bad, bad >= 0 ? a[bad] : 0.0, bad >= 0 ? mx[bad] : 0.0);
cleanup:
  rom_free(ctx, mx);
  return err;
}

static int fit_one(const rom_dmat *X, rom_int j0, rom_int m, const double *times, rom_int q,
                   const double *control, const rom_dmd_options *o, rom_dmd **out) {
  int err = ROM_OK;
  rom_ctx *ctx = rom_dmat_ctx(X);
  rom_dmat *V = NULL;
  rom_dmd *d = NULL;
  rom_dmd_data data;
  rom_dmd_fit_fn fit = rom_dmd_method_fit(o->method);
  ROM_TRY(ctx, rom_dmd_column_view(X, j0, m, &V));
  data.X = V;
  data.m = m;
  data.times = times + j0;
  data.uniform = stamps_uniform(data.times, m, &data.dt);
  data.q = q;
  data.control = control ? control + j0 * q : NULL;
  data.opts = o;
  ROM_CHECK(ctx, data.uniform || (rom_dmd_method_rules(o->method) & ROM_DMD_RULE_NONUNIFORM),
            ROM_ERR_ARG,
            "DMD method \"%s\" needs uniform time steps, but the stamps are irregular (steps "
            "%g .. %g); use \"exact\" or \"opt\"",
            rom_dmd_method_name(o->method), data.times[1] - data.times[0],
            data.times[m - 1] - data.times[m - 2]);
  ROM_TRY(ctx, rom_dmd_alloc(ctx, &d));
  d->method = o->method;
  d->opts = *o;
  d->q = q;
  d->m = m;
  d->dt = data.dt;
  d->t0 = data.times[0];
  d->t_end = data.times[m - 1];
  d->uniform = data.uniform;
  ROM_TRY(ctx, fit(&data, d));
  *out = d;
  d = NULL;
cleanup:
  rom_dmat_destroy(&V);
  rom_dmd_destroy(&d);
  return err;
}

int rom_dmd_fit(const rom_dmat *X, const double *times, rom_int q, const double *control,
                const rom_dmd_options *opts, rom_dmd **out) {
  int err = ROM_OK;
  rom_ctx *ctx;
  rom_dmd_options o = opts ? *opts : rom_dmd_options_default();
  rom_dmd *d = NULL;
  double *t = NULL;
  rom_int m, j, w, nwin, k;
  if (!X) return ROM_ERR_ARG;
  ctx = rom_dmat_ctx(X);
  ROM_CHECK(ctx, out != NULL, ROM_ERR_ARG, "rom_dmd_fit: out must not be NULL");
  *out = NULL;
  m = rom_dmat_cols(X);
  ROM_CHECK(ctx, m >= 2, ROM_ERR_ARG, "DMD needs at least 2 snapshots, got %lld", (long long)m);
  ROM_CHECK(ctx, (int)o.method >= 0 && (int)o.method < rom_dmd_method_count(), ROM_ERR_ARG,
            "unknown DMD method %d", (int)o.method);
  ROM_CHECK(ctx, o.truncation != ROM_POD_TRUNCATE_ENERGY || (o.energy > 0.0 && o.energy <= 1.0),
            ROM_ERR_ARG, "DMD energy threshold %g must be in (0, 1]", o.energy);
  ROM_CHECK(ctx, o.truncation != ROM_POD_TRUNCATE_RANK || o.rank >= 1, ROM_ERR_ARG,
            "DMD rank %lld must be >= 1", (long long)o.rank);
  ROM_CHECK(ctx, o.window == 0 || o.window >= 2, ROM_ERR_ARG,
            "DMD window %lld must be 0 (no windows) or >= 2 snapshots", (long long)o.window);
  ROM_CHECK(ctx, q >= 0, ROM_ERR_ARG, "the number of control inputs q = %lld must be >= 0",
            (long long)q);
  if (rom_dmd_method_rules(o.method) & ROM_DMD_RULE_CONTROL) {
    ROM_CHECK(ctx, q >= 1 && control != NULL, ROM_ERR_ARG,
              "DMD method \"%s\" needs a control input sequence (q >= 1 inputs for each of the "
              "%lld steps), got q = %lld%s",
              rom_dmd_method_name(o.method), (long long)(m - 1), (long long)q,
              control ? "" : " and no array");
    for (j = 0; j < q * (m - 1); j++)
      ROM_CHECK(ctx, isfinite(control[j]), ROM_ERR_NOT_FINITE,
                "the control input holds a NaN or Inf at input %lld of step %lld",
                (long long)(j % q), (long long)(j / q));
  } else {
    ROM_CHECK(ctx, q == 0 && control == NULL, ROM_ERR_ARG,
              "DMD method \"%s\" takes no control input (q = %lld given); use \"dmdc\"",
              rom_dmd_method_name(o.method), (long long)q);
  }
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)m, (void **)&t));
  if (times) {
    for (j = 0; j < m; j++) {
      ROM_CHECK(ctx, isfinite(times[j]), ROM_ERR_ARG, "time stamp %lld is %g, not finite",
                (long long)j, times[j]);
      ROM_CHECK(ctx, j == 0 || times[j] > times[j - 1], ROM_ERR_ARG,
                "time stamps must increase strictly, but t[%lld] = %.17g <= t[%lld] = %.17g",
                (long long)j, times[j], (long long)(j - 1), j > 0 ? times[j - 1] : 0.0);
      t[j] = times[j];
    }
  } else {
    ROM_CHECK(ctx, isfinite(o.dt) && o.dt > 0.0, ROM_ERR_ARG,
              "DMD time step dt = %g must be finite and > 0", o.dt);
    ROM_CHECK(ctx, isfinite(o.t0), ROM_ERR_ARG, "DMD start time t0 = %g is not finite", o.t0);
    for (j = 0; j < m; j++)
      t[j] = o.t0 + (double)j * o.dt;
  }
  ROM_TRY(ctx, check_replicated(ctx, m, t, "the DMD time stamps"));
  if (control) ROM_TRY(ctx, check_replicated(ctx, q * (m - 1), control, "the DMD control inputs"));
  ROM_TRY(ctx, rom_dmat_check_finite(X, "DMD snapshots"));

  if (o.window == 0 || o.window >= m) {
    ROM_TRY(ctx, fit_one(X, 0, m, t, q, control, &o, out));
    goto cleanup;
  }
  /* Windows of w snapshots; consecutive windows share their boundary snapshot, so window k
   * starts at k (w - 1) and the last one ends at m - 1 (at least 2 snapshots). */
  w = o.window;
  nwin = (m - 1 + (w - 2)) / (w - 1);
  ROM_TRY(ctx, rom_dmd_alloc(ctx, &d));
  d->method = o.method;
  d->opts = o;
  d->q = q;
  d->m = m;
  d->N = rom_dmat_global_rows(X);
  d->local_rows = rom_dmat_local_rows(X);
  d->t0 = t[0];
  d->t_end = t[m - 1];
  d->dt = (t[m - 1] - t[0]) / (double)(m - 1);
  ROM_TRY(ctx, rom_calloc(ctx, (size_t)nwin, sizeof(rom_dmd *), (void **)&d->win));
  for (k = 0; k < nwin; k++) {
    rom_int j0 = k * (w - 1), len = (j0 + w - 1 <= m - 1 ? w : m - j0);
    ROM_TRY(ctx, fit_one(X, j0, len, t, q, control, &o, &d->win[k]));
    d->nwin = k + 1;
  }
  *out = d;
  d = NULL;
cleanup:
  rom_free(ctx, t);
  rom_dmd_destroy(&d);
  return err;
}

int rom_dmd_create_projected(const rom_dmat *basis, const double *Atilde, double dt, double t0,
                             const double *x0_local, rom_dmd **out) {
  int err = ROM_OK;
  rom_ctx *ctx;
  rom_dmd *d = NULL;
  double *y0 = NULL;
  rom_int r, n, i;
  if (!basis) return ROM_ERR_ARG;
  ctx = rom_dmat_ctx(basis);
  ROM_CHECK(ctx, out != NULL && Atilde != NULL, ROM_ERR_ARG,
            "rom_dmd_create_projected: out and Atilde must not be NULL");
  *out = NULL;
  r = rom_dmat_cols(basis);
  n = rom_dmat_local_rows(basis);
  ROM_CHECK(ctx, r >= 1, ROM_ERR_ARG, "the basis of a projected DMD has %lld columns, need >= 1",
            (long long)r);
  ROM_CHECK(ctx, isfinite(dt) && dt > 0.0 && isfinite(t0), ROM_ERR_ARG,
            "projected DMD: dt = %g must be finite and > 0, t0 = %g finite", dt, t0);
  ROM_CHECK_ALL(ctx, x0_local != NULL || n == 0, ROM_ERR_ARG,
                "projected DMD: x0 is NULL on a rank with %lld rows", (long long)n);
  for (i = 0; i < r * r; i++)
    ROM_CHECK(ctx, isfinite(Atilde[i]), ROM_ERR_NOT_FINITE,
              "projected DMD: Atilde holds a NaN or Inf at entry (%lld, %lld)", (long long)(i % r),
              (long long)(i / r));
  ROM_TRY(ctx, rom_dmat_check_finite(basis, "projected DMD basis"));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)r, (void **)&y0));
  ROM_TRY(ctx, rom_dmat_transpose_times_vector(basis, x0_local, y0));
  for (i = 0; i < r; i++)
    ROM_CHECK(ctx, isfinite(y0[i]), ROM_ERR_NOT_FINITE,
              "projected DMD: x0 holds a NaN or Inf (coordinate %lld)", (long long)i);
  ROM_TRY(ctx, rom_dmd_alloc(ctx, &d));
  d->method = ROM_DMD_EXACT;
  d->dt = dt;
  d->t0 = t0;
  d->t_end = t0;
  d->m = 0;
  d->uniform = 1;
  ROM_TRY(ctx, rom_dmd_set_rank(d, r, n));
  ROM_TRY(ctx, rom_dmd_from_projected(d, basis, Atilde, y0));
  *out = d;
  d = NULL;
cleanup:
  rom_free(ctx, y0);
  rom_dmd_destroy(&d);
  return err;
}

/* ---- accessors ------------------------------------------------------------------------ */

rom_ctx *rom_dmd_ctx(const rom_dmd *d) {
  return d ? d->ctx : NULL;
}
rom_dmd_method rom_dmd_get_method(const rom_dmd *d) {
  return d ? d->method : ROM_DMD_EXACT;
}
rom_int rom_dmd_rank(const rom_dmd *d) {
  return d ? d->r : 0;
}
rom_int rom_dmd_global_rows(const rom_dmd *d) {
  return d ? d->N : 0;
}
rom_int rom_dmd_local_rows(const rom_dmd *d) {
  return d ? d->local_rows : 0;
}
rom_int rom_dmd_control_dim(const rom_dmd *d) {
  return d ? d->q : 0;
}
rom_int rom_dmd_snapshot_count(const rom_dmd *d) {
  return d ? d->m : 0;
}
double rom_dmd_dt(const rom_dmd *d) {
  return d ? d->dt : NAN;
}
double rom_dmd_t0(const rom_dmd *d) {
  return d ? d->t0 : NAN;
}
double rom_dmd_t_end(const rom_dmd *d) {
  return d ? d->t_end : NAN;
}
const double *rom_dmd_eigenvalues(const rom_dmd *d) {
  return d ? d->lambda : NULL;
}
const double *rom_dmd_omegas(const rom_dmd *d) {
  return d ? d->omega : NULL;
}
const double *rom_dmd_amplitudes_of(const rom_dmd *d) {
  return d ? d->amplitudes : NULL;
}
const double *rom_dmd_eigenvalue_std(const rom_dmd *d) {
  return d ? d->omega_std : NULL;
}
const double *rom_dmd_singular_values(const rom_dmd *d, rom_int *count) {
  if (count) *count = d ? d->nsv : 0;
  return d ? d->sv : NULL;
}
int rom_dmd_modes(const rom_dmd *d, const rom_dmat **re, const rom_dmat **im) {
  if (!d) return ROM_ERR_ARG;
  if (re) *re = d->phi_re;
  if (im) *im = d->phi_im;
  return ROM_OK;
}
const rom_dmat *rom_dmd_basis(const rom_dmd *d) {
  return d ? d->basis : NULL;
}
const double *rom_dmd_operator(const rom_dmd *d) {
  return d ? d->Atilde : NULL;
}
const double *rom_dmd_control_operator(const rom_dmd *d) {
  return d ? d->Btilde : NULL;
}
rom_int rom_dmd_window_count(const rom_dmd *d) {
  return d ? (d->nwin > 0 ? d->nwin : 1) : 0;
}
int rom_dmd_window(const rom_dmd *d, rom_int i, const rom_dmd **out) {
  if (!d || !out) return ROM_ERR_ARG;
  if (d->nwin == 0) {
    ROM_ENSURE(d->ctx, i == 0, ROM_ERR_ARG, "window %lld of a DMD with 1 window", (long long)i);
    *out = d;
    return ROM_OK;
  }
  ROM_ENSURE(d->ctx, i >= 0 && i < d->nwin, ROM_ERR_ARG, "window %lld of a DMD with %lld windows",
             (long long)i, (long long)d->nwin);
  *out = d->win[i];
  return ROM_OK;
}

/* ---- prediction ----------------------------------------------------------------------- */

static const rom_dmd *window_at(const rom_dmd *d, double t) {
  rom_int k;
  if (d->nwin == 0) return d;
  for (k = 0; k < d->nwin; k++)
    if (t <= d->win[k]->t_end) return d->win[k];
  return d->win[d->nwin - 1];
}

int rom_dmd_predict_many(const rom_dmd *dmd, rom_int nt, const double *t, double *X_local,
                         rom_int ld) {
  int err = ROM_OK;
  rom_ctx *ctx;
  double *cr = NULL, *ci = NULL;
  rom_int j, i, n;
  if (!dmd) return ROM_ERR_ARG;
  ctx = dmd->ctx;
  n = dmd->local_rows;
  ROM_CHECK(ctx, nt >= 0 && (nt == 0 || t != NULL), ROM_ERR_ARG,
            "DMD prediction: %lld times, array %s", (long long)nt, t ? "given" : "NULL");
  ROM_CHECK(ctx, X_local != NULL || n == 0 || nt == 0, ROM_ERR_ARG,
            "DMD prediction: the output is NULL on a rank with %lld rows", (long long)n);
  ROM_CHECK(ctx, ld >= n, ROM_ERR_ARG, "DMD prediction: ld = %lld < local rows %lld", (long long)ld,
            (long long)n);
  for (j = 0; j < nt; j++) {
    const rom_dmd *w;
    ROM_CHECK(ctx, isfinite(t[j]), ROM_ERR_ARG, "DMD prediction time %lld is %g, not finite",
              (long long)j, t[j]);
    w = window_at(dmd, t[j]);
    rom_free(ctx, cr);
    rom_free(ctx, ci);
    cr = ci = NULL;
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)w->r, (void **)&cr));
    ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)w->r, (void **)&ci));
    /* c_i = b_i exp(omega_i (t - t0)); x = Re(Phi c) = Phi_re Re(c) - Phi_im Im(c) */
    for (i = 0; i < w->r; i++) {
      double complex om = w->omega[2 * i] + I * w->omega[2 * i + 1];
      double complex b = w->amplitudes[2 * i] + I * w->amplitudes[2 * i + 1];
      double complex c = b * cexp(om * (t[j] - w->t0));
      cr[i] = creal(c);
      ci[i] = -cimag(c);
    }
    if (n > 0) {
      double *x = X_local + j * ld;
      memset(x, 0, sizeof(double) * (size_t)n);
      if (w->r > 0) {
        cblas_dgemv(CblasColMajor, CblasNoTrans, (int)n, (int)w->r, 1.0,
                    rom_dmat_data_const(w->phi_re), (int)rom_dmat_ld(w->phi_re), cr, 1, 0.0, x, 1);
        cblas_dgemv(CblasColMajor, CblasNoTrans, (int)n, (int)w->r, 1.0,
                    rom_dmat_data_const(w->phi_im), (int)rom_dmat_ld(w->phi_im), ci, 1, 1.0, x, 1);
      }
    }
  }
cleanup:
  rom_free(ctx, cr);
  rom_free(ctx, ci);
  return err;
}

int rom_dmd_predict(const rom_dmd *dmd, double t, double *x_local) {
  if (!dmd) return ROM_ERR_ARG;
  return rom_dmd_predict_many(dmd, 1, &t, x_local, dmd->local_rows);
}

int rom_dmd_predict_control(const rom_dmd *dmd, const double *x0_local, rom_int steps,
                            const double *control, double *X_local, rom_int ld) {
  int err = ROM_OK;
  rom_ctx *ctx;
  double *y = NULL, *ynext = NULL;
  rom_int r, q, n, k, i;
  if (!dmd) return ROM_ERR_ARG;
  ctx = dmd->ctx;
  r = dmd->r;
  q = dmd->q;
  n = dmd->local_rows;
  ROM_CHECK(ctx, dmd->Atilde != NULL && dmd->basis != NULL, ROM_ERR_STATE,
            "this DMD (method \"%s\"%s) has no reduced operator to step",
            rom_dmd_method_name(dmd->method), dmd->nwin > 0 ? ", windowed" : "");
  ROM_CHECK(ctx, steps >= 0, ROM_ERR_ARG, "steps = %lld must be >= 0", (long long)steps);
  ROM_CHECK(ctx, q == 0 || steps == 0 || control != NULL, ROM_ERR_ARG,
            "this DMD has q = %lld control inputs: the control sequence must not be NULL",
            (long long)q);
  ROM_CHECK(ctx, ld >= n && (X_local != NULL || n == 0), ROM_ERR_ARG,
            "DMD prediction: output NULL or ld = %lld < local rows %lld", (long long)ld,
            (long long)n);
  for (i = 0; i < q * steps; i++)
    ROM_CHECK(ctx, isfinite(control[i]), ROM_ERR_NOT_FINITE,
              "the control input holds a NaN or Inf at input %lld of step %lld", (long long)(i % q),
              (long long)(i / q));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)r, (void **)&y));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)r, (void **)&ynext));
  if (x0_local)
    ROM_TRY(ctx, rom_dmat_transpose_times_vector(dmd->basis, x0_local, y));
  else
    memcpy(y, dmd->y0, sizeof(double) * (size_t)r);
  for (k = 0; k <= steps; k++) {
    if (n > 0) ROM_TRY(ctx, rom_dmat_times_vector(dmd->basis, y, X_local + k * ld));
    if (k == steps) break;
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)r, (int)r, 1.0, dmd->Atilde, (int)r, y, 1, 0.0,
                ynext, 1);
    if (q > 0)
      cblas_dgemv(CblasColMajor, CblasNoTrans, (int)r, (int)q, 1.0, dmd->Btilde, (int)r,
                  control + k * q, 1, 1.0, ynext, 1);
    memcpy(y, ynext, sizeof(double) * (size_t)r);
  }
cleanup:
  rom_free(ctx, y);
  rom_free(ctx, ynext);
  return err;
}
