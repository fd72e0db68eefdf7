/* romkit internal — the guard around a host callback's output buffers.
 *
 * A callback that returns 0 but never writes its output (a C host that forgets a branch,
 * a Python host that rebinds `F = f(u)` instead of writing `F[:] = f(u)`) would otherwise
 * hand romkit whatever the buffer held before: often zeros, and a silent wrong answer.
 * So before every call romkit fills the output with a marker, a quiet NaN with a payload
 * that arithmetic never produces (IEEE 754 operations return the default NaN or propagate
 * an input's payload, and the marker is never in an input), and after the call it scans
 * the output: a marker left means "not written", any other NaN or Inf means "written
 * non-finite". The scan is a multiply-add per value (about 0.4 ns); the exact position is
 * found only on failure. docs/reliability.md,
 * "Callbacks and the Python API", has the contract and the measured cost. */
#ifndef ROMKIT_CORE_OUTPUT_GUARD_H
#define ROMKIT_CORE_OUTPUT_GUARD_H

#include "romkit/context.h"

/* The marker value (a quiet NaN with payload 0x0000dead0bad). Not collective. */
double rom_output_marker(void);
/* 1 if v has the marker's bits exactly. Not collective. */
int rom_output_is_marker(double v);

/* Fills rows x cols values (column-major, leading dimension ld >= rows) with the marker.
 * Not collective. */
void rom_output_poison(double *y, rom_int rows, rom_int cols, rom_int ld);

/* The first (column-major order) entry of the rows x cols block that is not finite, or
 * -1 if all are; *row, *col, *value its place and value, *unwritten 1 if it still holds
 * the marker (then the first marker is reported, before any other non-finite value), and
 * *count the number of non-finite entries. Any output pointer may be NULL.
 * Not collective. */
rom_int rom_output_first_bad(const double *y, rom_int rows, rom_int cols, rom_int ld, rom_int *row,
                             rom_int *col, double *value, int *unwritten, rom_int *count);

/* 1 if the byte ranges [a, a + na) and [b, b + nb) (in doubles) overlap: an output that
 * aliases an input must not be poisoned. Not collective. */
int rom_output_overlaps(const double *a, rom_int na, const double *b, rom_int nb);

#endif
