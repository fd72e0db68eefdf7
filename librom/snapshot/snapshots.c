/* The snapshot collection in memory: the host's vectors appended as columns of a
 * row-distributed N x m matrix that grows by amortised doubling, with optional tags
 * (time, parameter vector) per snapshot. Streaming to a file is in snapshot_file.c.
 *
 * Every add is collective and all-or-nothing: a NaN/Inf on any rank, a failed
 * allocation or a failed stream write leaves the collection as it was, on every rank. */
#include "snapshot/snapshot_impl.h"

#include <math.h>
#include <string.h>

rom_snapshots_options rom_snapshots_options_default(void) {
  rom_snapshots_options o;
  o.capacity_hint = 0;
  o.num_parameters = 0;
  o.stream_path = NULL;
  o.overwrite = 0;
  o.keep_in_memory = 1;
  return o;
}

/* Makes room for `extra` more snapshots: capacity at least doubles, so m adds copy
 * O(m) columns in all. Rank-local (allocation) but every rank fails together. */
static int reserve(rom_snapshots *s, rom_int extra) {
  int err = ROM_OK;
  rom_ctx *ctx = s->ctx;
  double *data = NULL, *times = NULL, *params = NULL;
  size_t data_bytes = 0, times_bytes = 0, params_bytes = 0;
  rom_int need = s->count + extra, cap = s->capacity;
  if (need <= cap) return ROM_OK;
  cap = cap * 2 > need ? cap * 2 : need;
  if (cap < s->capacity_hint) cap = s->capacity_hint;
  if (cap < 4) cap = 4;
  ROM_TRY_ALL(ctx, rom_size_mul(ctx, s->keep_in_memory ? s->local_rows * cap : 0, sizeof(double),
                                &data_bytes));
  ROM_TRY_ALL(ctx, rom_size_mul(ctx, cap, sizeof(double), &times_bytes));
  ROM_TRY_ALL(ctx, rom_size_mul(ctx, cap * s->num_parameters, sizeof(double), &params_bytes));
  err = rom_malloc(ctx, data_bytes, (void **)&data);
  if (err == ROM_OK) err = rom_malloc(ctx, times_bytes, (void **)&times);
  if (err == ROM_OK) err = rom_malloc(ctx, params_bytes, (void **)&params);
  ROM_TRY_ALL(ctx, err);
  if (s->keep_in_memory && s->exported && s->data) {
    /* The caller may still read the old buffer through a matrix of rom_snapshots_matrix
     * (e.g. a numpy view in Python): keep it, freed by rom_snapshots_release_views. */
    if (s->nretired == s->retired_cap) {
      rom_int ncap = s->retired_cap ? 2 * s->retired_cap : 4;
      double **list = NULL;
      err = rom_malloc(ctx, sizeof(double *) * (size_t)ncap, (void **)&list);
      if (err == ROM_OK) {
        if (s->nretired) memcpy(list, s->retired, sizeof(double *) * (size_t)s->nretired);
        rom_free(ctx, s->retired);
        s->retired = list;
        s->retired_cap = ncap;
      }
    }
    ROM_TRY_ALL(ctx, err);
  }
  if (s->keep_in_memory && s->count > 0)
    memcpy(data, s->data, sizeof(double) * (size_t)(s->local_rows * s->count));
  if (s->count > 0) {
    memcpy(times, s->times, sizeof(double) * (size_t)s->count);
    memcpy(params, s->params, sizeof(double) * (size_t)(s->count * s->num_parameters));
  }
  if (s->keep_in_memory && s->exported && s->data)
    s->retired[s->nretired++] = s->data;
  else
    rom_free(ctx, s->data);
  rom_free(ctx, s->times);
  rom_free(ctx, s->params);
  s->data = data;
  s->times = times;
  s->params = params;
  s->capacity = cap;
  data = times = params = NULL;
cleanup:
  rom_free(ctx, data);
  rom_free(ctx, times);
  rom_free(ctx, params);
  return err;
}

/* The N x count matrix view of the kept snapshots (rom_dmat_wrap is collective, so it
 * is rebuilt here, in the collective add, and rom_snapshots_matrix stays local). */
static int rebuild_view(rom_snapshots *s) {
  int err = ROM_OK;
  rom_dmat_destroy(&s->view);
  if (s->keep_in_memory)
    ROM_TRY(s->ctx,
            rom_dmat_wrap(s->ctx, s->local_rows, s->count, s->data, s->local_rows, &s->view));
cleanup:
  return err;
}

int rom_snapshots_create(rom_ctx *ctx, rom_int local_rows, const rom_snapshots_options *opts,
                         rom_snapshots **out) {
  int err = ROM_OK;
  rom_snapshots *s = NULL;
  rom_snapshots_options o = opts ? *opts : rom_snapshots_options_default();
  if (!ctx) return ROM_ERR_ARG;
  ROM_CHECK_ALL(ctx, out != NULL, ROM_ERR_ARG, "out must not be NULL");
  *out = NULL;
  ROM_CHECK_ALL(ctx, local_rows >= 0, ROM_ERR_ARG, "local_rows = %lld must be >= 0",
                (long long)local_rows);
  ROM_CHECK_ALL(ctx, o.num_parameters >= 0 && o.capacity_hint >= 0, ROM_ERR_ARG,
                "num_parameters = %lld and capacity_hint = %lld must be >= 0",
                (long long)o.num_parameters, (long long)o.capacity_hint);
  ROM_CHECK_ALL(ctx, o.keep_in_memory || o.stream_path, ROM_ERR_ARG,
                "keep_in_memory = 0 needs a stream_path: the snapshots would be kept nowhere");
  ROM_TRY_ALL(ctx, rom_calloc(ctx, 1, sizeof *s, (void **)&s));
  s->ctx = ctx;
  s->local_rows = local_rows;
  s->capacity_hint = o.capacity_hint;
  s->num_parameters = o.num_parameters;
  s->keep_in_memory = o.keep_in_memory ? 1 : 0;
  s->row_offset = 0;
  ROM_MPI(ctx, MPI_Exscan(&local_rows, &s->row_offset, 1, MPI_INT64_T, MPI_SUM, rom_ctx_comm(ctx)));
  if (rom_ctx_rank(ctx) == 0) s->row_offset = 0;
  ROM_MPI(ctx,
          MPI_Allreduce(&local_rows, &s->global_rows, 1, MPI_INT64_T, MPI_SUM, rom_ctx_comm(ctx)));
  ROM_TRY(ctx, reserve(s, o.capacity_hint));
  ROM_TRY(ctx, rebuild_view(s));
  if (o.stream_path) ROM_TRY(ctx, rom_snapshot_stream_open(s, o.stream_path, o.overwrite));
  *out = s;
  s = NULL;
cleanup:
  rom_snapshots_destroy(&s);
  return err;
}

int rom_snapshots_destroy(rom_snapshots **ps) {
  int err = ROM_OK;
  if (!ps || !*ps) return ROM_OK;
  rom_snapshots *s = *ps;
  rom_ctx *ctx = s->ctx;
  if (s->stream) err = rom_snapshot_stream_close(s);
  rom_dmat_destroy(&s->view);
  rom_snapshots_release_views(s);
  rom_free(ctx, s->retired);
  rom_free(ctx, s->data);
  rom_free(ctx, s->times);
  rom_free(ctx, s->params);
  rom_free(ctx, s);
  *ps = NULL;
  return err;
}

/* Collective NaN/Inf check of the new block and tags. Every rank learns the first bad
 * entry (smallest snapshot index, then global row) through one MPI_MIN on a packed key,
 * so every rank's message names the same snapshot and row. */
static int check_finite(rom_snapshots *s, rom_int count, const double *U, rom_int ld, double time,
                        const double *params, int tagged) {
  int err = ROM_OK;
  rom_ctx *ctx = s->ctx;
  rom_int N = s->global_rows > 0 ? s->global_rows : 1, key = INT64_MAX, first = INT64_MAX;
  for (rom_int j = 0; j < count && key == INT64_MAX; ++j)
    for (rom_int i = 0; i < s->local_rows; ++i)
      if (!isfinite(U[i + j * ld])) {
        key = ((j * N + s->row_offset + i) << 1) | (isnan(U[i + j * ld]) ? 0 : 1);
        break;
      }
  ROM_MPI(ctx, MPI_Allreduce(&key, &first, 1, MPI_INT64_T, MPI_MIN, rom_ctx_comm(ctx)));
  if (first != INT64_MAX) {
    rom_int snapshot = (first >> 1) / N, row = (first >> 1) % N;
    ROM_FAIL(ctx, ROM_ERR_NOT_FINITE,
             "snapshot %lld holds %s at global row %lld; nothing was added (%lld snapshots held)",
             (long long)(s->count + snapshot), (first & 1) ? "Inf" : "NaN", (long long)row,
             (long long)s->count);
  }
  int tags_ok = !tagged || isfinite(time);
  for (rom_int k = 0; tagged && k < s->num_parameters; ++k)
    tags_ok = tags_ok && isfinite(params[k]);
  ROM_CHECK_ALL(ctx, tags_ok, ROM_ERR_NOT_FINITE,
                "snapshot %lld: its time or parameters hold NaN or Inf; nothing was added",
                (long long)s->count);
cleanup:
  return err;
}

/* Tags of the new snapshots go to s->times / s->params at [count, count + k): NaN when
 * untagged, so tagged and untagged adds can mix and /times stays aligned. */
static void store_tags(rom_snapshots *s, rom_int count, double time, const double *params,
                       int tagged) {
  rom_int p = s->num_parameters;
  for (rom_int j = s->count; j < s->count + count; ++j) {
    s->times[j] = tagged ? time : NAN;
    for (rom_int k = 0; k < p; ++k)
      s->params[j * p + k] = tagged ? params[k] : NAN;
  }
}

static int add_common(rom_snapshots *s, rom_int count, const double *U, rom_int ld, double time,
                      const double *params, int tagged) {
  int err = ROM_OK;
  rom_ctx *ctx = s->ctx;
  ROM_CHECK_ALL(ctx, count >= 0 && ld >= s->local_rows, ROM_ERR_ARG,
                "count = %lld must be >= 0 and ld = %lld >= local_rows = %lld", (long long)count,
                (long long)ld, (long long)s->local_rows);
  ROM_CHECK_ALL(ctx, U || s->local_rows == 0 || count == 0, ROM_ERR_ARG,
                "the snapshot data is NULL but this rank holds %lld rows",
                (long long)s->local_rows);
  ROM_CHECK_ALL(ctx, !tagged || params || s->num_parameters == 0, ROM_ERR_ARG,
                "params is NULL but the collection has num_parameters = %lld",
                (long long)s->num_parameters);
  if (count == 0) goto cleanup;
  ROM_TRY(ctx, check_finite(s, count, U, ld, time, params, tagged));
  ROM_TRY(ctx, reserve(s, count));
  store_tags(s, count, time, params, tagged);
  if (s->stream) ROM_TRY(ctx, rom_snapshot_stream_append(s, count, U, ld, tagged));
  if (s->keep_in_memory)
    for (rom_int j = 0; j < count; ++j)
      memcpy(s->data + (s->count + j) * s->local_rows, U + j * ld,
             sizeof(double) * (size_t)s->local_rows);
  s->count += count;
  s->tagged = s->tagged || tagged;
  ROM_TRY(ctx, rebuild_view(s));
cleanup:
  return err;
}

int rom_snapshots_add(rom_snapshots *s, const double *u_local) {
  if (!s) return ROM_ERR_ARG;
  return add_common(s, 1, u_local, s->local_rows, NAN, NULL, 0);
}

int rom_snapshots_add_tagged(rom_snapshots *s, const double *u_local, double time,
                             const double *params) {
  if (!s) return ROM_ERR_ARG;
  return add_common(s, 1, u_local, s->local_rows, time, params, 1);
}

int rom_snapshots_add_block(rom_snapshots *s, rom_int count, const double *U_local, rom_int ld) {
  if (!s) return ROM_ERR_ARG;
  return add_common(s, count, U_local, ld, NAN, NULL, 0);
}

rom_int rom_snapshots_count(const rom_snapshots *s) {
  return s ? s->count : 0;
}

int rom_snapshots_matrix(rom_snapshots *s, const rom_dmat **out) {
  if (!s || !out) return ROM_ERR_ARG;
  *out = NULL;
  ROM_ENSURE(s->ctx, s->keep_in_memory, ROM_ERR_STATE,
             "the collection keeps no snapshots in memory (keep_in_memory = 0); read them back "
             "from its stream file with rom_snapshots_read");
  *out = s->view;
  s->exported = 1;
  return ROM_OK;
}

int rom_snapshots_release_views(rom_snapshots *s) {
  if (!s) return ROM_ERR_ARG;
  for (rom_int i = 0; i < s->nretired; ++i)
    rom_free(s->ctx, s->retired[i]);
  s->nretired = 0;
  s->exported = 0;
  return ROM_OK;
}
