/* romkit — entry points for language bindings (the Python package, python/romkit).
 *
 * A C or C++ host never needs these: it initialises MPI itself and passes its own
 * MPI_Comm to rom_ctx_create. A binding cannot name an MPI_Comm (its size and type
 * differ between MPI implementations), so it passes the Fortran handle instead
 * (mpi4py: comm.py2f()), and, when the user has no MPI of their own (a serial Python
 * session without mpi4py), asks romkit to initialise and finalise MPI for it.
 *
 * The library itself never touches MPI_COMM_WORLD and never initialises MPI: only
 * rom_mpi_init_serial and rom_mpi_finalize_if_initialized_by_romkit below do, and only
 * when a binding calls them.
 */
#ifndef ROMKIT_BINDING_H
#define ROMKIT_BINDING_H

#include "romkit/context.h"

#ifdef __cplusplus
extern "C" {
#endif

/* rom_ctx_create_fortran - rom_ctx_create on the communicator whose Fortran handle is
 * `fortran_comm` (MPI_Comm_f2c). Collective on that communicator.
 * Returns ROM_ERR_ARG (NULL out, MPI not initialised or already finalised, a handle
 * that is not a communicator) or what rom_ctx_create returns. */
int rom_ctx_create_fortran(int64_t fortran_comm, rom_ctx **out);

/* rom_ctx_create_serial - a one-rank context on MPI_COMM_SELF (the serial default of a
 * binding used without a communicator of its own). Not collective.
 * Returns what rom_ctx_create returns. */
int rom_ctx_create_serial(rom_ctx **out);

/* rom_mpi_init_serial - initialises MPI (MPI_Init_thread, MPI_THREAD_FUNNELED) if
 * nobody has yet. Returns 1 if this call initialised MPI, 0 if MPI was already
 * initialised, ROM_ERR_STATE if MPI was already finalised, ROM_ERR_MPI if MPI_Init_thread
 * failed. Not collective beyond what MPI_Init is. */
int rom_mpi_init_serial(void);

/* rom_mpi_finalize_if_initialized_by_romkit - MPI_Finalize, only if rom_mpi_init_serial
 * initialised MPI and it is not finalised yet (for atexit handlers). Returns 1 if it
 * finalised MPI, 0 if there was nothing to do, ROM_ERR_MPI if MPI_Finalize failed.
 * Every context must have been destroyed before. */
int rom_mpi_finalize_if_initialized_by_romkit(void);

/* rom_ctx_comm_fortran - the Fortran handle of the context's communicator (romkit's
 * duplicate), for bindings that want to wrap it (mpi4py: MPI.Comm.f2py). -1 for NULL. */
int64_t rom_ctx_comm_fortran(const rom_ctx *ctx);

/* rom_binding_struct_size - sizeof the public option record called `name`
 * ("rom_pod_options", "rom_snapshots_options", "rom_heat2d_options"), 0 for any other
 * name or NULL: lets a binding check that its mirror of a record has the C layout.
 * Not collective. */
size_t rom_binding_struct_size(const char *name);

#ifdef __cplusplus
}
#endif
#endif
