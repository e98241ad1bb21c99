/* Harness: raw serial bytes into the real app dispatcher (firmware/app/main.c on boards/host): frame
 * parser, every message handler, the model store and the pipeline. The seeds hold valid frame streams
 * (an upload of a small model with its CRC, a switch, audio, a profile) for the mutations to start from. */
#include "app_host.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  app_host_run(data, size, 0, 0);
  return 0;
}
