/* romkit internal — the BLACS and ScaLAPACK entry points romkit calls.
 *
 * Debian's libscalapack-openmpi ships no C header, so the prototypes are declared here,
 * from the reference sources (ScaLAPACK 2.2: SRC/pdgesvd.f, TOOLS/descinit.f,
 * BLACS/SRC/{sys2blacs_,blacs_grid_,blacs_info_,free_handle_}.c) and the ScaLAPACK
 * Users' Guide (Blackford et al., SIAM 1997, chapter 4 "Data distributions and
 * software conventions", and the pdgesvd leaf page).
 *
 * - Fortran routines (trailing underscore) take every argument by reference; their
 *   INTEGER is the C int of the LP64 build Debian ships. Character arguments carry a
 *   hidden length (size_t with gfortran >= 8) after the visible arguments: passing it
 *   keeps the call correct even when the callee is compiled to read it.
 * - Descriptors (DESC_) are 9 ints: {DTYPE_=1, CTXT_, M_, N_, MB_, NB_, RSRC_, CSRC_, LLD_}.
 * - The C BLACS interface (Cblacs_*) takes values and is what grids are built with:
 *   Csys2blacs_handle turns an MPI communicator into a BLACS system context, so romkit's
 *   grids live on the context's communicator, never on MPI_COMM_WORLD.
 */
#ifndef ROMKIT_LINALG_SCALAPACK_H
#define ROMKIT_LINALG_SCALAPACK_H

#include <mpi.h>
#include <stddef.h>

/* BLACS (C interface). */
int Csys2blacs_handle(MPI_Comm comm);
void Cfree_blacs_system_handle(int handle);
/* *context: in, a system context (Csys2blacs_handle); out, the new grid's context. */
void Cblacs_gridinit(int *context, const char *order, int nprow, int npcol);
void Cblacs_gridinfo(int context, int *nprow, int *npcol, int *myrow, int *mycol);
void Cblacs_gridexit(int context);

/* TOOLS/descinit.f: fills an array descriptor and checks it (info < 0: argument -info). */
void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb,
               const int *irsrc, const int *icsrc, const int *context, const int *lld, int *info);

/* SRC/pdgesvd.f: SVD of a distributed M x N matrix sub(A) = U diag(S) VT.
 * JOBU = 'V': the first min(M, N) left singular vectors into U (M x min(M, N)); 'N': none.
 * JOBVT likewise for VT. A is destroyed. S (min(M, N)) is replicated on every process.
 * LWORK = -1: workspace query, the size is returned in WORK(1). INFO > 0: the bidiagonal QR
 * iteration did not converge (INFO <= min(M, N)), or INFO = min(M, N) + 1 when the
 * processes computed different singular values (heterogeneous arithmetic). */
void pdgesvd_(const char *jobu, const char *jobvt, const int *m, const int *n, double *a,
              const int *ia, const int *ja, const int *desca, double *s, double *u, const int *iu,
              const int *ju, const int *descu, double *vt, const int *ivt, const int *jvt,
              const int *descvt, double *work, const int *lwork, int *info, size_t jobu_len,
              size_t jobvt_len);

/* SRC/pdgeqrf.f: QR factorisation sub(A) = Q R of a distributed M x N matrix. On exit the
 * upper triangle holds R (min(M, N) x N), the part below it the Householder vectors, and TAU
 * (LOCc(JA + min(M, N) - 1) values, this process column's) their scalars. LWORK = -1: query. */
void pdgeqrf_(const int *m, const int *n, double *a, const int *ia, const int *ja, const int *desca,
              double *tau, double *work, const int *lwork, int *info);

/* SRC/pdormqr.f: sub(C) <- Q sub(C) (SIDE = 'L', TRANS = 'N') etc., with Q the product of the
 * K reflectors pdgeqrf left in sub(A). sub(C) is M x N; A and C must share the row block
 * size and row offset (MB_A = MB_C, same process grid). LWORK = -1: query. */
void pdormqr_(const char *side, const char *trans, const int *m, const int *n, const int *k,
              double *a, const int *ia, const int *ja, const int *desca, const double *tau,
              double *c, const int *ic, const int *jc, const int *descc, double *work,
              const int *lwork, int *info, size_t side_len, size_t trans_len);

/* SRC/pdlacpy.f: sub(B) <- sub(A) (M x N); UPLO = 'U': upper triangle only, 'L': lower
 * only, anything else: all of it. The two descriptors may have different layouts (same
 * process grid). */
void pdlacpy_(const char *uplo, const int *m, const int *n, const double *a, const int *ia,
              const int *ja, const int *desca, double *b, const int *ib, const int *jb,
              const int *descb, size_t uplo_len);

#endif
