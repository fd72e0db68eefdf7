/* romkit reproduce — the working directory and the hyper-reduction object for a given
 * sample set (reproduce_common.h). */
/* mkdtemp is POSIX.1-2008, not C99. */
#define _POSIX_C_SOURCE 200809L

#include "reproduce_common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *repro_method_name(repro_method m) {
  static const char *const names[] = {"pod-galerkin", "pod-lspg", "pod-lspg-hr",
                                      "nm-galerkin",  "nm-lspg",  "nm-lspg-hr"};
  return (int)m >= 0 && (int)m < 6 ? names[m] : "unknown";
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
        snprintf(message, sizeof message, "cannot create a directory %s: %s", dir, strerror(errno));
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
      for (rom_int j = 0; j < nb; ++j)
        Bd[i + j * ldb] = Rd[i + j * ldr];
    }
    rom_hyper_options ho = rom_hyper_options_default();
    ho.method = ROM_HYPER_GNAT;
    ho.residual_dim = nb;
    ho.num_samples = ns;
    rc = rom_hyper_create(state ? p->model : NULL, state, ref_local, B, &ho, out); /* NULL: NM */
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
