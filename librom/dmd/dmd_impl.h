/* romkit internal — the fields of a DMD and the helpers the methods share (stage dmd only). */
#ifndef ROMKIT_DMD_IMPL_H
#define ROMKIT_DMD_IMPL_H

#include "romkit/dmd.h"

#include <complex.h>

struct rom_dmd {
  rom_ctx *ctx;
  rom_dmd_method method;
  rom_dmd_options opts; /* the options of the fit (recorded in the file) */
  rom_int r, N, local_rows, q, m;
  double dt, t0, t_end;
  int uniform;        /* 1: fitted on uniform stamps */
  double *lambda;     /* 2 r: discrete eigenvalues (interleaved re, im) */
  double *omega;      /* 2 r: continuous-time eigenvalues */
  double *amplitudes; /* 2 r */
  double *omega_std;  /* 2 r or NULL ("bop") */
  double *sv;         /* singular values of X1 (nsv) or NULL */
  rom_int nsv;
  rom_dmat *phi_re, *phi_im; /* N x r */
  rom_dmat *basis;           /* N x r or NULL */
  double *Atilde;            /* r x r or NULL */
  double *Btilde;            /* r x q or NULL */
  double *y0;                /* r: basis^T x_0, or NULL */
  rom_int nwin;              /* 0: not windowed; else the windows */
  rom_dmd **win;
};

/* What a method's fit function gets: the (window's) snapshots, validated. */
typedef struct {
  const rom_dmat *X; /* N x m */
  rom_int m;
  const double *times; /* m stamps (always set, also for uniform stamps) */
  int uniform;         /* stamps uniform to 1e-10 relative */
  double dt;           /* the step (mean step if irregular) */
  rom_int q;
  const double *control; /* q x (m - 1) or NULL */
  const rom_dmd_options *opts;
} rom_dmd_data;

typedef int (*rom_dmd_fit_fn)(const rom_dmd_data *d, rom_dmd *dmd);

/* A new empty DMD (fields zero, ctx set). */
int rom_dmd_alloc(rom_ctx *ctx, rom_dmd **out);
/* Allocates lambda, omega, amplitudes for r values, and the modes (local_rows x r). */
int rom_dmd_set_rank(rom_dmd *dmd, rom_int r, rom_int local_rows);
/* A view of columns [j0, j0 + cols) of X (no copy; rom_dmat_destroy frees the view only).
 * Collective. */
int rom_dmd_column_view(const rom_dmat *X, rom_int j0, rom_int cols, rom_dmat **out);
/* Eigen-decomposition of the real r x r operator L (not modified; LAPACK dgeev, the same
 * on every rank): continuous == 0: L is discrete-time, lambda = eig, omega = log(lambda)/dt;
 * continuous == 1: omega = eig, lambda = exp(omega dt). Sorted by Re(omega) descending, then
 * Im descending. W (r x r complex, column-major) gets the eigenvectors in that order. */
int rom_dmd_spectrum(rom_dmd *dmd, const double *L, int continuous, double complex *W);
/* Modes Phi = Y M (Y: N x c distributed, M: c x r complex column-major). Not collective. */
int rom_dmd_modes_from(rom_dmd *dmd, const rom_dmat *Y, rom_int c, const double complex *M);
/* Amplitudes by least squares against x_0 (all == 0) or all m snapshots of X at `times`
 * (all == 1). Collective. */
int rom_dmd_fit_amplitudes(rom_dmd *dmd, const rom_dmat *X, rom_int m, const double *times,
                           int all);
/* Projected DMD from a reduced operator: basis (N x r, copied into dmd->basis), Atilde
 * (r x r, copied), y0 = basis^T x_0 (r). Modes basis W, amplitudes W^-1 y0. */
int rom_dmd_from_projected(rom_dmd *dmd, const rom_dmat *basis, const double *Atilde,
                           const double *y0);
/* A copy of the first `cols` columns of A into a new matrix. Collective. */
int rom_dmd_copy_cols(const rom_dmat *A, rom_int cols, rom_dmat **out);

/* The methods (librom/dmd/dmd_methods.h generates their prototypes). */
#endif
