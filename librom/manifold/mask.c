/* Sparsity masks (CSR patterns) of the decoder's output layer.
 *
 * Kim, Choi, Widemann, Zohdi, J. Comput. Phys. 451 (2022), Sec. 3: the decoder's last
 * layer is sparse so that each output node depends on a few hidden units only; that is
 * what makes hyper-reduction possible (the sub-network feeding the sampled rows is
 * small). 1-D: output row i owns the band of `band` hidden units starting at shift*i.
 * 2-D: output node p owns the band at shift*p and connects to the union of the bands of
 * its 5-point-stencil neighbours (and its own). */
#include "core/values.h"
#include "manifold/ae_impl.h"

#include <stdio.h>
#include <string.h>

static int mask_alloc(rom_ctx *ctx, rom_int rows, rom_int cols, rom_int nnz, rom_mask **out) {
  int err = ROM_OK;
  rom_mask *m = NULL;
  ROM_TRY(ctx, rom_calloc(ctx, 1, sizeof(*m), (void **)&m));
  m->ctx = ctx;
  m->rows = rows;
  m->cols = cols;
  ROM_TRY(ctx, rom_malloc_n(ctx, rows + 1, 1, sizeof(rom_int), (void **)&m->row_ptr));
  ROM_TRY(ctx, rom_malloc_n(ctx, nnz, 1, sizeof(rom_int), (void **)&m->col_index));
  *out = m;
  m = NULL;
cleanup:
  rom_mask_destroy(&m);
  return err;
}

int rom_mask_destroy(rom_mask **pm) {
  if (!pm || !*pm) return ROM_OK;
  rom_mask *m = *pm;
  rom_mask_segments_free(m->ctx, m);
  rom_free(m->ctx, m->row_ptr);
  rom_free(m->ctx, m->col_index);
  rom_free(m->ctx, m);
  *pm = NULL;
  return ROM_OK;
}

rom_int rom_mask_rows(const rom_mask *m) {
  return m ? m->rows : 0;
}
rom_int rom_mask_cols(const rom_mask *m) {
  return m ? m->cols : 0;
}
rom_int rom_mask_nnz(const rom_mask *m) {
  return m ? m->row_ptr[m->rows] : 0;
}
const rom_int *rom_mask_row_ptr(const rom_mask *m) {
  return m ? m->row_ptr : NULL;
}
const rom_int *rom_mask_col_index(const rom_mask *m) {
  return m ? m->col_index : NULL;
}

int rom_mask_banded(rom_ctx *ctx, rom_int rows, rom_int band, rom_int shift, rom_mask **out) {
  int err = ROM_OK;
  rom_mask *m = NULL;
  ROM_CHECK(ctx, out, ROM_ERR_ARG, "output mask pointer is NULL");
  *out = NULL;
  ROM_CHECK(ctx, rows >= 1 && band >= 1 && shift >= 1, ROM_ERR_ARG,
            "banded mask: rows = %lld, band = %lld, shift = %lld must all be >= 1", (long long)rows,
            (long long)band, (long long)shift);
  {
    /* H2 = shift (rows - 1) + band columns and rows x band entries: sizes from the command
     * line (--mask band:B:S), checked before anything is allocated */
    rom_int cols = 0, nnz = 0;
    ROM_TRY(ctx, rom_count_mul(ctx, shift, rows - 1, "banded mask: the hidden width", &cols));
    ROM_TRY(ctx, rom_count_add(ctx, cols, band, "banded mask: the hidden width", &cols));
    ROM_TRY(ctx, rom_count_mul(ctx, rows, band, "banded mask: the entries", &nnz));
    ROM_TRY(ctx, rom_memory_check(ctx, 8.0 * (double)nnz, "the mask's entries",
                                  "use a smaller band (--mask band:B:S)"));
    ROM_TRY(ctx, mask_alloc(ctx, rows, cols, nnz, &m));
  }
  for (rom_int i = 0; i < rows; ++i) {
    m->row_ptr[i] = i * band;
    for (rom_int j = 0; j < band; ++j)
      m->col_index[i * band + j] = shift * i + j;
  }
  m->row_ptr[rows] = rows * band;
  ROM_TRY(ctx, rom_mask_segments_build(ctx, m));
  *out = m;
  m = NULL;
cleanup:
  rom_mask_destroy(&m);
  return err;
}

int rom_mask_stencil2d(rom_ctx *ctx, rom_int nx, rom_int ny, rom_int band, rom_int shift,
                       rom_mask **out) {
  int err = ROM_OK;
  rom_mask *m = NULL;
  ROM_CHECK(ctx, out, ROM_ERR_ARG, "output mask pointer is NULL");
  *out = NULL;
  ROM_CHECK(ctx, nx >= 1 && ny >= 1 && band >= 1 && shift >= 1, ROM_ERR_ARG,
            "stencil mask: nx = %lld, ny = %lld, band = %lld, shift = %lld must all be >= 1",
            (long long)nx, (long long)ny, (long long)band, (long long)shift);
  rom_int rows = 0, cols = 0;
  ROM_TRY(ctx, rom_count_mul(ctx, nx, ny, "stencil mask: the grid", &rows));
  ROM_TRY(ctx, rom_count_mul(ctx, shift, rows - 1, "stencil mask: the hidden width", &cols));
  ROM_TRY(ctx, rom_count_add(ctx, cols, band, "stencil mask: the hidden width", &cols));
  {
    /* at most 5 bands per node: the entries fit once 5 x rows x band does */
    rom_int least = 0, most = 0;
    ROM_TRY(ctx, rom_count_mul(ctx, rows, band, "stencil mask: the entries", &least));
    ROM_TRY(ctx, rom_count_mul(ctx, least, 5, "stencil mask: the entries", &most));
    ROM_TRY(ctx, rom_memory_check(ctx, 8.0 * (double)least, "the mask's entries",
                                  "use a smaller band (--mask stencil:NX:NY:B:S)"));
  }
  /* Count first: the union of up to 5 bands, each an interval [shift*p, shift*p + band). */
  rom_int nnz = 0;
  for (int pass = 0; pass < 2; ++pass) {
    nnz = 0;
    for (rom_int iy = 0; iy < ny; ++iy) {
      for (rom_int ix = 0; ix < nx; ++ix) {
        rom_int p = ix + nx * iy, nb[5], n = 0;
        /* neighbours in increasing node order: bands are then in increasing start order */
        if (iy > 0) nb[n++] = p - nx;
        if (ix > 0) nb[n++] = p - 1;
        nb[n++] = p;
        if (ix + 1 < nx) nb[n++] = p + 1;
        if (iy + 1 < ny) nb[n++] = p + nx;
        if (pass == 1) m->row_ptr[p] = nnz;
        rom_int next = 0; /* first column not yet emitted */
        for (rom_int t = 0; t < n; ++t) {
          rom_int a = shift * nb[t], b = a + band;
          if (a < next) a = next;
          for (rom_int c = a; c < b; ++c) {
            if (pass == 1) m->col_index[nnz] = c;
            ++nnz;
          }
          if (b > next) next = b;
        }
      }
    }
    if (pass == 0) ROM_TRY(ctx, mask_alloc(ctx, rows, cols, nnz, &m));
  }
  m->row_ptr[rows] = nnz;
  ROM_TRY(ctx, rom_mask_segments_build(ctx, m));
  *out = m;
  m = NULL;
cleanup:
  rom_mask_destroy(&m);
  return err;
}

int rom_mask_from_csr(rom_ctx *ctx, rom_int rows, rom_int cols, const rom_int *row_ptr,
                      const rom_int *col_index, rom_mask **out) {
  int err = ROM_OK;
  rom_mask *m = NULL;
  ROM_CHECK(ctx, out, ROM_ERR_ARG, "output mask pointer is NULL");
  *out = NULL;
  ROM_CHECK(ctx, rows >= 1 && cols >= 1 && row_ptr, ROM_ERR_ARG,
            "CSR mask: rows = %lld and cols = %lld must be >= 1 and row_ptr given", (long long)rows,
            (long long)cols);
  ROM_CHECK(ctx, row_ptr[0] == 0, ROM_ERR_ARG, "CSR mask: row_ptr[0] = %lld, expected 0",
            (long long)row_ptr[0]);
  for (rom_int i = 0; i < rows; ++i) {
    ROM_CHECK(ctx, row_ptr[i + 1] >= row_ptr[i], ROM_ERR_ARG,
              "CSR mask: row_ptr decreases at row %lld (%lld -> %lld)", (long long)i,
              (long long)row_ptr[i], (long long)row_ptr[i + 1]);
  }
  rom_int nnz = row_ptr[rows];
  ROM_CHECK(ctx, nnz == 0 || col_index, ROM_ERR_ARG, "CSR mask: col_index is NULL");
  for (rom_int i = 0; i < rows; ++i) {
    for (rom_int k = row_ptr[i]; k < row_ptr[i + 1]; ++k) {
      ROM_CHECK(ctx, col_index[k] >= 0 && col_index[k] < cols, ROM_ERR_ARG,
                "CSR mask: row %lld has column %lld outside [0, %lld)", (long long)i,
                (long long)col_index[k], (long long)cols);
      ROM_CHECK(ctx, k == row_ptr[i] || col_index[k] > col_index[k - 1], ROM_ERR_ARG,
                "CSR mask: the columns of row %lld are not sorted and unique (%lld after %lld)",
                (long long)i, (long long)col_index[k], (long long)col_index[k - 1]);
    }
  }
  ROM_TRY(ctx, mask_alloc(ctx, rows, cols, nnz, &m));
  memcpy(m->row_ptr, row_ptr, sizeof(rom_int) * (size_t)(rows + 1));
  if (nnz) memcpy(m->col_index, col_index, sizeof(rom_int) * (size_t)nnz);
  ROM_TRY(ctx, rom_mask_segments_build(ctx, m));
  *out = m;
  m = NULL;
cleanup:
  rom_mask_destroy(&m);
  return err;
}

int rom_mask_copy(rom_ctx *ctx, const rom_mask *src, rom_mask **out) {
  *out = NULL;
  if (!src) return ROM_OK;
  return rom_mask_from_csr(ctx, src->rows, src->cols, src->row_ptr, src->col_index, out);
}

/* The one spelling of a decoder mask (romkit/autoencoder.h): `romkit train --mask` and the
 * problems' recipes (romkit/problem.h) read it here, so a network is described the same way
 * on the command line, in a recipe and in the workflow's log. */
int rom_mask_from_spec(rom_ctx *ctx, const char *spec, rom_int rows, rom_mask **out,
                       rom_int *hidden) {
  int err = ROM_OK;
  long long p[4] = {0, 0, 0, 0};
  char tail = 0;
  ROM_CHECK(ctx, out != NULL && hidden != NULL, ROM_ERR_ARG, "out and hidden must not be NULL");
  *out = NULL;
  ROM_CHECK(ctx, spec != NULL, ROM_ERR_ARG, "the mask spec is NULL");
  ROM_CHECK(ctx, rows >= 1, ROM_ERR_ARG, "mask %s: rows = %lld must be >= 1", spec,
            (long long)rows);
  if (sscanf(spec, "band:%lld:%lld%c", &p[0], &p[1], &tail) == 2) {
    ROM_CHECK(ctx, p[0] >= 1 && p[1] >= 1, ROM_ERR_ARG, "mask %s: band and shift must be >= 1",
              spec);
    ROM_TRY(ctx, rom_mask_banded(ctx, rows, p[0], p[1], out));
  } else if (sscanf(spec, "stencil:%lld:%lld:%lld:%lld%c", &p[0], &p[1], &p[2], &p[3], &tail) ==
             4) {
    ROM_CHECK(ctx, p[0] >= 1 && p[1] >= 1 && p[2] >= 1 && p[3] >= 1, ROM_ERR_ARG,
              "mask %s: all values must be >= 1", spec);
    ROM_CHECK(ctx, p[0] <= rows && p[1] <= rows && p[0] * p[1] == rows, ROM_ERR_DIM,
              "mask %s: the grid has %lld x %lld nodes but the snapshots have N = %lld", spec, p[0],
              p[1], (long long)rows);
    ROM_TRY(ctx, rom_mask_stencil2d(ctx, p[0], p[1], p[2], p[3], out));
  } else if (sscanf(spec, "dense:%lld%c", &p[0], &tail) == 1) {
    ROM_CHECK(ctx, p[0] >= 1, ROM_ERR_ARG, "mask %s: width must be >= 1", spec);
    *hidden = p[0];
    goto cleanup;
  } else {
    ROM_FAIL(ctx, ROM_ERR_ARG, "mask %s: expected band:B:S, stencil:NX:NY:B:S or dense:H", spec);
  }
  *hidden = rom_mask_cols(*out);
cleanup:
  return err;
}

int rom_mask_transpose(rom_ctx *ctx, const rom_mask *m, rom_mask **out) {
  int err = ROM_OK;
  rom_mask *t = NULL;
  rom_int *next = NULL;
  ROM_CHECK(ctx, out, ROM_ERR_ARG, "output mask pointer is NULL");
  *out = NULL;
  ROM_CHECK(ctx, m, ROM_ERR_ARG, "the mask to transpose is NULL");
  {
    const rom_int nnz = rom_mask_nnz(m);
    ROM_TRY(ctx, mask_alloc(ctx, m->cols, m->rows, nnz, &t));
    ROM_TRY(ctx, rom_calloc(ctx, (size_t)m->cols + 1, sizeof(rom_int), (void **)&next));
    /* counting sort by column: rows are visited in increasing order, so each row of the
     * transpose comes out sorted, as rom_mask_from_csr requires */
    for (rom_int k = 0; k < nnz; ++k)
      ++next[m->col_index[k] + 1];
    for (rom_int j = 0; j < m->cols; ++j)
      next[j + 1] += next[j];
    memcpy(t->row_ptr, next, sizeof(rom_int) * (size_t)(m->cols + 1));
    for (rom_int i = 0; i < m->rows; ++i)
      for (rom_int k = m->row_ptr[i]; k < m->row_ptr[i + 1]; ++k)
        t->col_index[next[m->col_index[k]]++] = i;
  }
  ROM_TRY(ctx, rom_mask_segments_build(ctx, t));
  *out = t;
  t = NULL;
cleanup:
  rom_free(ctx, next);
  rom_mask_destroy(&t);
  return err;
}
