/* romkit reproduce — the working directory, the authors' sample selection and the
 * hyper-reduction object for a given sample set (reproduce_common.h). */
/* mkdtemp is POSIX.1-2008, not C99. */
#define _POSIX_C_SOURCE 200809L

#include "reproduce_common.h"

#include <errno.h>
#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *repro_method_name(repro_method m) {
  static const char *const names[] = {"pod-galerkin", "pod-lspg", "pod-lspg-hr"};
  return (int)m >= 0 && (int)m < 3 ? names[m] : "unknown";
}

const char *repro_hr_method_name(repro_hr_method m) {
  static const char *const names[] = {"deim", "qdeim", "gnat", "sopt", "deim-os"};
  return (int)m >= 0 && (int)m < 5 ? names[m] : "unknown";
}

int repro_prepare_workdir(rom_ctx *ctx, const char *dir_in, char *dir) {
  char message[2 * REPRO_PATH] = "";
  int ok = 1;
  if (rom_ctx_rank(ctx) == 0) {
    struct stat st;
    if (!dir_in) {
      const char *tmp = getenv("TMPDIR");
      snprintf(dir, REPRO_PATH, "%s/romkit-reproduce-XXXXXX", tmp && *tmp ? tmp : "/tmp");
      if (!mkdtemp(dir)) {
        ok = 0;
        snprintf(message, sizeof message, "cannot create a directory %s: %s", dir,
                 strerror(errno));
      }
    } else {
      snprintf(dir, REPRO_PATH, "%s", dir_in);
      if (stat(dir, &st) != 0 && mkdir(dir, 0777) != 0) {
        ok = 0;
        snprintf(message, sizeof message, "cannot create --workdir %s: %s", dir, strerror(errno));
      } else if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        ok = 0;
        snprintf(message, sizeof message, "--workdir %s is not a directory", dir);
      }
    }
  }
  MPI_Bcast(&ok, 1, MPI_INT, 0, rom_ctx_comm(ctx));
  MPI_Bcast(dir, REPRO_PATH, MPI_CHAR, 0, rom_ctx_comm(ctx));
  if (!ok && rom_ctx_rank(ctx) == 0) fprintf(stderr, "romkit reproduce: error: %s\n", message);
  return ok ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

int repro_exists(rom_ctx *ctx, const char *path) {
  int e = rom_ctx_rank(ctx) == 0 ? access(path, F_OK) == 0 : 0;
  MPI_Bcast(&e, 1, MPI_INT, 0, rom_ctx_comm(ctx));
  return e;
}

void repro_format_number(double v, char *out, size_t len) {
  snprintf(out, len, "%.15g", v); /* the shortest of %.15g / %.17g that reads back exactly */
  if (strtod(out, NULL) != v) snprintf(out, len, "%.17g", v);
}

void repro_format_list(const double *v, int n, char *out, size_t len) {
  size_t used = 0;
  out[0] = '\0';
  for (int i = 0; i < n && used < len; ++i) {
    char one[40];
    repro_format_number(v[i], one, sizeof one);
    int w = snprintf(out + used, len - used, "%s%s", i ? "," : "", one);
    if (w < 0) break;
    used += (size_t)w;
  }
}

/* ---- the authors' oversampled DEIM ---------------------------------------------------- */

/* Global argmax of score (lowest global row on ties; -INFINITY rows never win). */
static int argmax_rows(rom_ctx *ctx, rom_int L, rom_int off, const double *score, rom_int *row) {
  double best = -INFINITY, gbest = -INFINITY;
  rom_int brow = -1;
  for (rom_int i = 0; i < L; ++i)
    if (score[i] > best) {
      best = score[i];
      brow = off + i;
    }
  MPI_Allreduce(&best, &gbest, 1, MPI_DOUBLE, MPI_MAX, rom_ctx_comm(ctx));
  int64_t mine = (brow >= 0 && best == gbest) ? (int64_t)brow : INT64_MAX, win = INT64_MAX;
  MPI_Allreduce(&mine, &win, 1, MPI_INT64_T, MPI_MIN, rom_ctx_comm(ctx));
  *row = (gbest == -INFINITY || win == INT64_MAX) ? -1 : (rom_int)win;
  return ROM_OK;
}

int repro_select_deim_os(rom_ctx *ctx, const rom_dmat *U, rom_int nb, rom_int ns,
                         rom_int *samples) {
  const rom_int L = rom_dmat_local_rows(U), off = rom_dmat_row_offset(U), ld = rom_dmat_ld(U);
  const double *D = rom_dmat_data_const(U);
  const rom_int div = ns / nb, mod = ns % nb;
  double *Z = calloc((size_t)(ns * nb), sizeof(double)); /* rows of U at the samples */
  double *A = calloc((size_t)(ns * nb), sizeof(double)), *b = calloc((size_t)ns, sizeof(double));
  double *c = calloc((size_t)nb, sizeof(double)), *sv = calloc((size_t)ns, sizeof(double));
  double *score = malloc(sizeof(double) * (size_t)(L + 1)), *rowv = calloc((size_t)nb, sizeof(double));
  rom_int s = 0;
  int rc = ROM_OK;
  if (!Z || !A || !b || !c || !sv || !score || !rowv) {
    rc = ROM_ERR_NOMEM;
    goto done;
  }
  for (rom_int l = 0; l < nb && rc == ROM_OK; ++l) {
    const rom_int take = l == 0 ? div + mod : div;
    if (l > 0) {
      /* c = argmin ||Z[0:s, 0:l] c - Z[0:s, l]|| (minimum norm, dgelsd like numpy) */
      lapack_int rank = 0;
      for (rom_int j = 0; j < l; ++j)
        for (rom_int i = 0; i < s; ++i) A[i + j * s] = Z[i + j * ns];
      for (rom_int i = 0; i < ns; ++i) b[i] = i < s ? Z[i + l * ns] : 0.0;
      lapack_int m = (lapack_int)s, n = (lapack_int)l;
      lapack_int info = LAPACKE_dgelsd(LAPACK_COL_MAJOR, m, n, 1, A, m, b, m > n ? m : n, sv, -1.0,
                                       &rank);
      if (info != 0) {
        rc = ROM_ERR_LAPACK;
        break;
      }
      for (rom_int j = 0; j < l; ++j) c[j] = b[j];
    }
    for (rom_int i = 0; i < L; ++i) {
      double r = D[i + l * ld];
      for (rom_int j = 0; j < l; ++j) r -= D[i + j * ld] * c[j];
      score[i] = fabs(r);
    }
    for (rom_int a = 0; a < s; ++a) {
      rom_int i = samples[a] - off;
      if (i >= 0 && i < L) score[i] = -INFINITY;
    }
    for (rom_int t = 0; t < take; ++t) {
      rom_int row = -1;
      argmax_rows(ctx, L, off, score, &row);
      if (row < 0) {
        rc = ROM_ERR_ARG;
        break;
      }
      samples[s] = row;
      memset(rowv, 0, sizeof(double) * (size_t)nb);
      if (row - off >= 0 && row - off < L) {
        for (rom_int j = 0; j < nb; ++j) rowv[j] = D[(row - off) + j * ld];
        score[row - off] = -INFINITY;
      }
      MPI_Allreduce(MPI_IN_PLACE, rowv, (int)nb, MPI_DOUBLE, MPI_SUM, rom_ctx_comm(ctx));
      for (rom_int j = 0; j < nb; ++j) Z[s + j * ns] = rowv[j];
      ++s;
    }
  }
done:
  free(Z);
  free(A);
  free(b);
  free(c);
  free(sv);
  free(score);
  free(rowv);
  {
    int all = rc;
    MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MIN, rom_ctx_comm(ctx));
    rc = all;
  }
  return rc;
}

static int cmp_int(const void *a, const void *b) {
  rom_int x = *(const rom_int *)a, y = *(const rom_int *)b;
  return (x > y) - (x < y);
}

int repro_hyper_from_samples(rom_ctx *ctx, const repro_problem *p, const rom_basis *state,
                             const double *ref_local, const rom_dmat *R, rom_int ns,
                             const rom_int *samples, rom_hyper **out) {
  const rom_int nb = rom_dmat_cols(R), ldr = rom_dmat_ld(R);
  const double *Rd = rom_dmat_data_const(R);
  rom_dmat *B = NULL;
  rom_int *sorted = malloc(sizeof(rom_int) * (size_t)ns);
  int rc = sorted ? rom_dmat_create(ctx, p->L, nb, &B) : ROM_ERR_NOMEM;
  *out = NULL;
  if (rc == ROM_OK) {
    double *Bd = rom_dmat_data(B);
    const rom_int ldb = rom_dmat_ld(B);
    for (rom_int a = 0; a < ns; ++a) {
      rom_int i = samples[a] - p->off;
      if (i < 0 || i >= p->L) continue;
      for (rom_int j = 0; j < nb; ++j) Bd[i + j * ldb] = Rd[i + j * ldr];
    }
    rom_hyper_options ho = rom_hyper_options_default();
    ho.method = ROM_HYPER_GNAT;
    ho.residual_dim = nb;
    ho.num_samples = ns;
    rc = rom_hyper_create(p->model, state, ref_local, B, &ho, out);
  }
  if (rc == ROM_OK) {
    memcpy(sorted, samples, sizeof(rom_int) * (size_t)ns);
    qsort(sorted, (size_t)ns, sizeof(rom_int), cmp_int);
    if (memcmp(sorted, rom_hyper_sample_rows(*out), sizeof(rom_int) * (size_t)ns) != 0) {
      if (rom_ctx_rank(ctx) == 0)
        fprintf(stderr, "romkit reproduce: error: the hyper-reduction object does not hold "
                        "the selected samples\n");
      rom_hyper_destroy(out);
      rc = ROM_ERR_INTERNAL;
    }
  }
  rom_dmat_destroy(&B);
  free(sorted);
  return rc;
}
