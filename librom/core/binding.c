/* Entry points for language bindings: contexts from Fortran communicator handles,
 * and MPI initialisation for a serial session that has no MPI of its own. */
#include "romkit/binding.h"

#include "romkit/pod.h"
#include "romkit/problems.h"
#include "romkit/snapshots.h"

#include "core/check.h"

#include <string.h>

/* Whether rom_mpi_init_serial initialised MPI (then romkit also finalises it). */
static int romkit_initialized_mpi = 0;

int rom_ctx_create_fortran(int64_t fortran_comm, rom_ctx **out) {
  if (!out) return ROM_ERR_ARG;
  *out = NULL;
  int initialized = 0, finalized = 0;
  if (MPI_Initialized(&initialized) != MPI_SUCCESS || !initialized) return ROM_ERR_ARG;
  if (MPI_Finalized(&finalized) != MPI_SUCCESS || finalized) return ROM_ERR_ARG;
  if (fortran_comm < (int64_t)-2147483647 - 1 || fortran_comm > (int64_t)2147483647)
    return ROM_ERR_ARG; /* MPI_Fint is an int */
  MPI_Comm comm = MPI_Comm_f2c((MPI_Fint)fortran_comm);
  if (comm == MPI_COMM_NULL) return ROM_ERR_ARG;
  return rom_ctx_create(comm, out);
}

int rom_ctx_create_serial(rom_ctx **out) {
  if (!out) return ROM_ERR_ARG;
  *out = NULL;
  int initialized = 0, finalized = 0;
  if (MPI_Initialized(&initialized) != MPI_SUCCESS || !initialized) return ROM_ERR_ARG;
  if (MPI_Finalized(&finalized) != MPI_SUCCESS || finalized) return ROM_ERR_ARG;
  return rom_ctx_create(MPI_COMM_SELF, out);
}

int rom_mpi_init_serial(void) {
  int initialized = 0, finalized = 0;
  if (MPI_Finalized(&finalized) != MPI_SUCCESS) return ROM_ERR_MPI;
  if (finalized) return ROM_ERR_STATE;
  if (MPI_Initialized(&initialized) != MPI_SUCCESS) return ROM_ERR_MPI;
  if (initialized) return 0;
  int provided = 0;
  if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
    return ROM_ERR_MPI;
  romkit_initialized_mpi = 1;
  return 1;
}

int rom_mpi_finalize_if_initialized_by_romkit(void) {
  if (!romkit_initialized_mpi) return 0;
  int finalized = 0;
  if (MPI_Finalized(&finalized) != MPI_SUCCESS) return ROM_ERR_MPI;
  romkit_initialized_mpi = 0;
  if (finalized) return 0;
  if (MPI_Finalize() != MPI_SUCCESS) return ROM_ERR_MPI;
  return 1;
}

int64_t rom_ctx_comm_fortran(const rom_ctx *ctx) {
  if (!ctx) return -1;
  return (int64_t)MPI_Comm_c2f(rom_ctx_comm(ctx));
}

size_t rom_binding_struct_size(const char *name) {
  if (!name) return 0;
  if (strcmp(name, "rom_pod_options") == 0) return sizeof(rom_pod_options);
  if (strcmp(name, "rom_snapshots_options") == 0) return sizeof(rom_snapshots_options);
  if (strcmp(name, "rom_heat2d_options") == 0) return sizeof(rom_heat2d_options);
  return 0;
}
