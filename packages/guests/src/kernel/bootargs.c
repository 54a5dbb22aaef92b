#include "bootargs.h"
#include "console.h"
#include "lib.h"

#define DEFAULT_TICK_HZ 100

static char *next_word(char **cursor) {
  char *s = *cursor;
  while (*s == ' ' || *s == '\t' || *s == '\n') s++;
  if (!*s) return 0;
  char *word = s;
  while (*s && *s != ' ' && *s != '\t' && *s != '\n') s++;
  if (*s) *s++ = 0;
  *cursor = s;
  return word;
}

void bootargs_parse(char *args, struct boot_config *config) {
  config->init = "init";
  config->tick_hz = DEFAULT_TICK_HZ;
  config->pv = 0;
  config->argc = 1;
  int after_dashes = 0;
  for (char *word; (word = next_word(&args));) {
    if (after_dashes) {
      if (config->argc <= INIT_MAX_ARGS) config->argv[config->argc++] = word;
      else kprintf("kernel: too many init arguments, '%s' dropped\n", word);
    } else if (strcmp(word, "--") == 0) {
      after_dashes = 1;
    } else if (strncmp(word, "init=", 5) == 0 && word[5]) {
      config->init = word + 5;
    } else if (strncmp(word, "tick=", 5) == 0) {
      int hz = atoi(word + 5);
      if (hz >= 1 && hz <= 10000) config->tick_hz = (uint32_t)hz;
      else kprintf("kernel: tick=%s out of range 1..10000, using %u Hz\n", word + 5, config->tick_hz);
    } else if (strncmp(word, "pv=", 3) == 0) {
      config->pv = atoi(word + 3) != 0;
    } else {
      kprintf("kernel: unknown boot parameter '%s' ignored\n", word);
    }
  }
  config->argv[0] = config->init;
  config->argv[config->argc] = 0;
}
