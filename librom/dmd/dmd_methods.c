/* romkit — the registry of DMD methods: everything reads the table of dmd_methods.h. */
#include "dmd/dmd_methods.h"

#include "core/check.h"

#include <string.h>

typedef struct {
  rom_dmd_method method;
  const char *name;
  rom_dmd_fit_fn fit;
  unsigned rules;
  const char *description;
} dmd_method_entry;

#define ROM_DMD_ENTRY(e, n, fn, r, d) {e, n, fn, r, d},
static const dmd_method_entry methods[] = {ROM_DMD_METHOD_TABLE(ROM_DMD_ENTRY)};
#undef ROM_DMD_ENTRY

#define NUM_METHODS ((int)(sizeof(methods) / sizeof(methods[0])))

static const dmd_method_entry *entry(rom_dmd_method method) {
  int i = (int)method;
  return (i >= 0 && i < NUM_METHODS) ? &methods[i] : NULL;
}

int rom_dmd_method_count(void) {
  return NUM_METHODS;
}

const char *rom_dmd_method_name(rom_dmd_method method) {
  const dmd_method_entry *e = entry(method);
  return e ? e->name : "unknown";
}

int rom_dmd_method_from_name(const char *name, rom_dmd_method *method) {
  int i;
  if (!name || !method) return ROM_ERR_ARG;
  for (i = 0; i < NUM_METHODS; i++)
    if (strcmp(methods[i].name, name) == 0) {
      *method = methods[i].method;
      return ROM_OK;
    }
  return ROM_ERR_ARG;
}

const char *rom_dmd_method_description(rom_dmd_method method) {
  const dmd_method_entry *e = entry(method);
  return e ? e->description : "";
}

unsigned rom_dmd_method_rules(rom_dmd_method method) {
  const dmd_method_entry *e = entry(method);
  return e ? e->rules : 0u;
}

rom_dmd_fit_fn rom_dmd_method_fit(rom_dmd_method method) {
  const dmd_method_entry *e = entry(method);
  return e ? e->fit : NULL;
}
