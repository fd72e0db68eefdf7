/* romkit — output files: checking them before the work, and publishing several at once.
 *
 * Every romkit writer (rom_basis_write, rom_ae_write, rom_hyper_write, rom_sweep_write,
 * rom_affine_rom_write, rom_snapshots_write, rom_basis_write_librom) writes a temporary
 * file next to the target, "<path>.<pid>-<random>.partial" (created exclusively, never
 * through a symlink), and publishes it under <path> only when it is complete: without
 * overwrite by a link that fails if <path> exists, with overwrite by an atomic rename.
 * A failure (a full disk, a killed rank) therefore never leaves a half-written file under
 * the user's name and never touches an existing one (docs/reliability.md, "Writing files";
 * docs/file-format.md, "Writing").
 *
 * A program that writes more than one file (romkit pod -o B.h5 --librom-out L) checks
 * every output before it computes anything (rom_output_check), holds the finished files
 * back (rom_outputs_hold) and publishes them together (rom_outputs_publish), or removes
 * them all when one write failed (rom_outputs_discard): all outputs or none.
 */
#ifndef ROMKIT_OUTPUT_H
#define ROMKIT_OUTPUT_H

#include "romkit/context.h"

/* rom_output_check - checks that `path` can be written, before the work that produces it.
 * Collective.
 *
 * On every rank: the directory of path exists and is writable (an output directory that
 * only some ranks see fails on all of them, naming the ranks' view); on rank 0: path is
 * not a directory, and it does not exist unless overwrite. The path must be non-empty.
 * Errors: ROM_ERR_EXISTS (path exists, overwrite = 0), ROM_ERR_IO (no directory, not
 * writable, a directory), ROM_ERR_ARG. Nothing is created. */
int rom_output_check(rom_ctx *ctx, const char *path, int overwrite);

/* rom_outputs_hold - from now on, files that the writers finish on this context are kept
 * under their temporary names instead of being published. Collective (every rank calls
 * it). ROM_ERR_STATE if files are already held. */
int rom_outputs_hold(rom_ctx *ctx);

/* rom_outputs_publish - publishes every held file under its name and ends the hold.
 * Collective.
 *
 * Targets are checked again first (without overwrite, a target that appeared since the
 * file was written fails with ROM_ERR_EXISTS); when one publication fails, the files
 * already published without overwrite are removed again and every temporary file is
 * deleted, so either all held files appear or none does (a file published with overwrite
 * has replaced the old one, which cannot be brought back: docs/reliability.md). */
int rom_outputs_publish(rom_ctx *ctx);

/* rom_outputs_discard - deletes every held temporary file and ends the hold. Collective,
 * never fails, a no-op without a hold. */
void rom_outputs_discard(rom_ctx *ctx);

#endif
