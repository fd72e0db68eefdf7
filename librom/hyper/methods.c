/* The registry of hyper-reduction sample-selection methods: the table of methods.h as an
 * array indexed by rom_hyper_method, and the public queries on it (include/romkit/hyper.h).
 * rom_hyper_select (hyper.c) dispatches through rom_hyper_method_lookup; nothing else in
 * the library names a method. */
#include "hyper/hyper_impl.h"

#include <stdio.h>
#include <string.h>

#define ROM_HYPER_ENTRY(e, n, fn, r, d) {e, n, fn, r, d},
static const rom_hyper_method_entry table[] = {ROM_HYPER_METHOD_TABLE(ROM_HYPER_ENTRY)};
#undef ROM_HYPER_ENTRY

#define NUM_METHODS ((int)(sizeof table / sizeof table[0]))

int rom_hyper_method_count(void) {
  return NUM_METHODS;
}

/* The table lists the methods in the order of their enum values (tests/unit/registries.c
 * checks it), so the entry of a method is table[method]. */
const rom_hyper_method_entry *rom_hyper_method_lookup(rom_hyper_method method) {
  if ((int)method < 0 || (int)method >= NUM_METHODS) return NULL;
  return &table[method];
}

const char *rom_hyper_method_name(rom_hyper_method method) {
  const rom_hyper_method_entry *e = rom_hyper_method_lookup(method);
  return e ? e->name : "unknown";
}

int rom_hyper_method_from_name(const char *name, rom_hyper_method *method) {
  if (!name || !method) return ROM_ERR_ARG;
  for (int i = 0; i < NUM_METHODS; ++i)
    if (!strcmp(name, table[i].name)) {
      *method = table[i].method;
      return ROM_OK;
    }
  return ROM_ERR_ARG;
}

const char *rom_hyper_method_description(rom_hyper_method method) {
  const rom_hyper_method_entry *e = rom_hyper_method_lookup(method);
  return e ? e->description : "";
}

unsigned rom_hyper_method_rules(rom_hyper_method method) {
  const rom_hyper_method_entry *e = rom_hyper_method_lookup(method);
  return e ? e->rules : 0u;
}

void rom_hyper_method_list(char *buf, size_t size, unsigned mask, unsigned value,
                           const char *last) {
  int picked[sizeof table / sizeof table[0]], n = 0;
  size_t used = 0;
  if (!buf || size == 0) return;
  buf[0] = '\0';
  for (int i = 0; i < NUM_METHODS; ++i)
    if ((table[i].rules & mask) == value) picked[n++] = i;
  for (int j = 0; j < n && used < size; ++j) {
    const char *sep = j == 0 ? "" : (j == n - 1 ? last : ", ");
    int w = snprintf(buf + used, size - used, "%s%s", sep, table[picked[j]].name);
    if (w < 0) break;
    used += (size_t)w;
  }
}
