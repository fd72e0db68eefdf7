/* romkit — what every DMD method shares once it has a reduced operator: its eigenvalues
 * (LAPACK dgeev on the small matrix, identical on every rank because the matrix is), the
 * modes as a distributed product, and the amplitudes by least squares. */
#include "core/check.h"
#include "dmd/dmd_impl.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

typedef struct {
  double complex value; /* sort key: the continuous-time eigenvalue */
  rom_int index;
} spectrum_item;

/* Re(omega) descending (|lambda| descending), then Im(omega) descending, then index: a
 * total order, so every rank sorts the same way. */
static int spectrum_less(const spectrum_item *a, const spectrum_item *b) {
  if (creal(a->value) != creal(b->value)) return creal(a->value) > creal(b->value);
  if (cimag(a->value) != cimag(b->value)) return cimag(a->value) > cimag(b->value);
  return a->index < b->index;
}

static double complex omega_of_lambda(double complex lambda, double dt) {
  /* |lambda| = 0 (a mode that dies in one step) would give -inf: clamp to the smallest
   * normal magnitude so predictions stay finite (exp(-708 t/dt) is 0 after one step). */
  if (cabs(lambda) < 1e-300) lambda = 1e-300;
  return clog(lambda) / dt;
}

int rom_dmd_spectrum(rom_dmd *dmd, const double *L, int continuous, double complex *W) {
  int err = ROM_OK;
  rom_ctx *ctx = dmd->ctx;
  rom_int r = dmd->r, i, j;
  double *a = NULL, *wr = NULL, *wi = NULL, *vr = NULL, *work = NULL, wq = 0.0;
  double complex *Wu = NULL, *ev = NULL;
  spectrum_item *items = NULL;
  lapack_int info;
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * r), (void **)&a));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * r), (void **)&vr));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)r, (void **)&wr));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)r, (void **)&wi));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double complex) * (size_t)(r * r), (void **)&Wu));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double complex) * (size_t)r, (void **)&ev));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(spectrum_item) * (size_t)r, (void **)&items));
  for (i = 0; i < r * r; i++) {
    ROM_CHECK(ctx, isfinite(L[i]), ROM_ERR_NOT_FINITE,
              "the reduced DMD operator holds a NaN or Inf (entry %lld): the snapshots are "
              "too badly conditioned for the rank asked",
              (long long)i);
    a[i] = L[i];
  }
  info = LAPACKE_dgeev_work(LAPACK_COL_MAJOR, 'N', 'V', (lapack_int)r, a, (lapack_int)r, wr, wi,
                            NULL, 1, vr, (lapack_int)r, &wq, -1);
  ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK, "dgeev workspace query failed (info = %d)", (int)info);
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(wq + 1), (void **)&work));
  info = LAPACKE_dgeev_work(LAPACK_COL_MAJOR, 'N', 'V', (lapack_int)r, a, (lapack_int)r, wr, wi,
                            NULL, 1, vr, (lapack_int)r, work, (lapack_int)wq);
  ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK,
            "dgeev of the %lld x %lld reduced DMD operator failed (info = %d)", (long long)r,
            (long long)r, (int)info);
  /* dgeev stores a complex pair's eigenvectors as v_j +- i v_{j+1} (LAPACK's convention) */
  for (j = 0; j < r; j++) {
    ev[j] = wr[j] + I * wi[j];
    if (wi[j] != 0.0 && j + 1 < r) {
      for (i = 0; i < r; i++) {
        Wu[i + j * r] = vr[i + j * r] + I * vr[i + (j + 1) * r];
        Wu[i + (j + 1) * r] = vr[i + j * r] - I * vr[i + (j + 1) * r];
      }
      ev[j + 1] = wr[j + 1] + I * wi[j + 1];
      j++;
    } else {
      for (i = 0; i < r; i++)
        Wu[i + j * r] = vr[i + j * r];
    }
  }
  for (j = 0; j < r; j++) {
    items[j].value = continuous ? ev[j] : omega_of_lambda(ev[j], dmd->dt);
    items[j].index = j;
  }
  /* insertion sort: r is small */
  for (j = 1; j < r; j++) {
    spectrum_item x = items[j];
    i = j - 1;
    while (i >= 0 && spectrum_less(&x, &items[i])) {
      items[i + 1] = items[i];
      i--;
    }
    items[i + 1] = x;
  }
  for (j = 0; j < r; j++) {
    rom_int s = items[j].index;
    double complex lam = continuous ? cexp(ev[s] * dmd->dt) : ev[s];
    double complex om = items[j].value;
    dmd->lambda[2 * j] = creal(lam);
    dmd->lambda[2 * j + 1] = cimag(lam);
    dmd->omega[2 * j] = creal(om);
    dmd->omega[2 * j + 1] = cimag(om);
    memcpy(W + j * r, Wu + s * r, sizeof(double complex) * (size_t)r);
  }
cleanup:
  rom_free(ctx, a);
  rom_free(ctx, vr);
  rom_free(ctx, wr);
  rom_free(ctx, wi);
  rom_free(ctx, work);
  rom_free(ctx, Wu);
  rom_free(ctx, ev);
  rom_free(ctx, items);
  return err;
}

int rom_dmd_modes_from(rom_dmd *dmd, const rom_dmat *Y, rom_int c, const double complex *M) {
  int err = ROM_OK;
  rom_ctx *ctx = dmd->ctx;
  rom_int r = dmd->r, n = rom_dmat_local_rows(Y), i;
  double *Mr = NULL, *Mi = NULL;
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(c * r), (void **)&Mr));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(c * r), (void **)&Mi));
  for (i = 0; i < c * r; i++) {
    Mr[i] = creal(M[i]);
    Mi[i] = cimag(M[i]);
  }
  if (n > 0 && r > 0 && c > 0) {
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)r, (int)c, 1.0,
                rom_dmat_data_const(Y), (int)rom_dmat_ld(Y), Mr, (int)c, 0.0,
                rom_dmat_data(dmd->phi_re), (int)rom_dmat_ld(dmd->phi_re));
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)r, (int)c, 1.0,
                rom_dmat_data_const(Y), (int)rom_dmat_ld(Y), Mi, (int)c, 0.0,
                rom_dmat_data(dmd->phi_im), (int)rom_dmat_ld(dmd->phi_im));
  }
cleanup:
  rom_free(ctx, Mr);
  rom_free(ctx, Mi);
  return err;
}

/* Solves the r x r complex system G b = h in place (b = h on return). */
static int solve_complex(rom_ctx *ctx, rom_int r, double complex *G, double complex *h,
                         const char *what) {
  int err = ROM_OK;
  lapack_int *ipiv = NULL, info;
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(lapack_int) * (size_t)r, (void **)&ipiv));
  info = LAPACKE_zgesv_work(LAPACK_COL_MAJOR, (lapack_int)r, 1, G, (lapack_int)r, ipiv, h,
                            (lapack_int)r);
  ROM_CHECK(ctx, info == 0, ROM_ERR_LAPACK,
            "%s: the %lld x %lld system is singular (zgesv info = %d): two DMD modes coincide; "
            "lower the rank",
            what, (long long)r, (long long)r, (int)info);
cleanup:
  rom_free(ctx, ipiv);
  return err;
}

int rom_dmd_fit_amplitudes(rom_dmd *dmd, const rom_dmat *X, rom_int m, const double *times,
                           int all) {
  int err = ROM_OK;
  rom_ctx *ctx = dmd->ctx;
  rom_int r = dmd->r, cols = all ? m : 1, i, k, j;
  double *RR = NULL, *II = NULL, *RI = NULL, *PrX = NULL, *PiX = NULL;
  double complex *G = NULL, *h = NULL, *v = NULL;
  rom_dmat *X0 = NULL;
  ROM_TRY(ctx, rom_dmd_column_view(X, 0, cols, &X0));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * r), (void **)&RR));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * r), (void **)&II));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * r), (void **)&RI));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * cols), (void **)&PrX));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * cols), (void **)&PiX));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double complex) * (size_t)(r * r), (void **)&G));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double complex) * (size_t)r, (void **)&h));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double complex) * (size_t)(r * cols), (void **)&v));
  /* Gram matrix Phi^H Phi and Phi^H X from real products (Phi = Pr + i Pi) */
  ROM_TRY(ctx, rom_dmat_transpose_times(dmd->phi_re, dmd->phi_re, RR, r));
  ROM_TRY(ctx, rom_dmat_transpose_times(dmd->phi_im, dmd->phi_im, II, r));
  ROM_TRY(ctx, rom_dmat_transpose_times(dmd->phi_re, dmd->phi_im, RI, r));
  ROM_TRY(ctx, rom_dmat_transpose_times(dmd->phi_re, X0, PrX, r));
  ROM_TRY(ctx, rom_dmat_transpose_times(dmd->phi_im, X0, PiX, r));
  /* v_ij = exp(omega_i (t_j - t_0)): the Vandermonde matrix of the fit over all snapshots
   * (Jovanovic, Schmid, Nichols 2014, eq. 13); with one column it is 1 */
  for (j = 0; j < cols; j++)
    for (i = 0; i < r; i++) {
      double complex om = dmd->omega[2 * i] + I * dmd->omega[2 * i + 1];
      v[i + j * r] = j == 0 ? 1.0 : cexp(om * (times[j] - times[0]));
    }
  for (k = 0; k < r; k++)
    for (i = 0; i < r; i++) {
      double complex g = (RR[i + k * r] + II[i + k * r]) + I * (RI[i + k * r] - RI[k + i * r]);
      double complex s = 0.0;
      for (j = 0; j < cols; j++)
        s += conj(v[i + j * r]) * v[k + j * r];
      G[i + k * r] = g * s;
    }
  for (i = 0; i < r; i++) {
    double complex s = 0.0;
    for (j = 0; j < cols; j++)
      s += conj(v[i + j * r]) * (PrX[i + j * r] - I * PiX[i + j * r]);
    h[i] = s;
  }
  ROM_TRY(ctx, solve_complex(ctx, r, G, h, "DMD amplitudes (least squares)"));
  for (i = 0; i < r; i++) {
    dmd->amplitudes[2 * i] = creal(h[i]);
    dmd->amplitudes[2 * i + 1] = cimag(h[i]);
  }
cleanup:
  rom_dmat_destroy(&X0);
  rom_free(ctx, RR);
  rom_free(ctx, II);
  rom_free(ctx, RI);
  rom_free(ctx, PrX);
  rom_free(ctx, PiX);
  rom_free(ctx, G);
  rom_free(ctx, h);
  rom_free(ctx, v);
  return err;
}

int rom_dmd_from_projected(rom_dmd *dmd, const rom_dmat *basis, const double *Atilde,
                           const double *y0) {
  int err = ROM_OK;
  rom_ctx *ctx = dmd->ctx;
  rom_int r = dmd->r, i;
  double complex *W = NULL, *Wc = NULL, *b = NULL;
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double complex) * (size_t)(r * r), (void **)&W));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double complex) * (size_t)(r * r), (void **)&Wc));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double complex) * (size_t)r, (void **)&b));
  ROM_TRY(ctx, rom_dmd_copy_cols(basis, r, &dmd->basis));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)(r * r), (void **)&dmd->Atilde));
  memcpy(dmd->Atilde, Atilde, sizeof(double) * (size_t)(r * r));
  ROM_TRY(ctx, rom_malloc(ctx, sizeof(double) * (size_t)r, (void **)&dmd->y0));
  memcpy(dmd->y0, y0, sizeof(double) * (size_t)r);
  ROM_TRY(ctx, rom_dmd_spectrum(dmd, Atilde, 0, W));
  ROM_TRY(ctx, rom_dmd_modes_from(dmd, dmd->basis, r, W));
  /* basis^T Phi = W, so the least-squares amplitudes against x_0 solve W b = basis^T x_0 */
  memcpy(Wc, W, sizeof(double complex) * (size_t)(r * r));
  for (i = 0; i < r; i++)
    b[i] = y0[i];
  ROM_TRY(ctx, solve_complex(ctx, r, Wc, b, "projected DMD amplitudes"));
  for (i = 0; i < r; i++) {
    dmd->amplitudes[2 * i] = creal(b[i]);
    dmd->amplitudes[2 * i + 1] = cimag(b[i]);
  }
cleanup:
  rom_free(ctx, W);
  rom_free(ctx, Wc);
  rom_free(ctx, b);
  return err;
}
